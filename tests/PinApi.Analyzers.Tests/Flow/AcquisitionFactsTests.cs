using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using PinApi.Analyzers.Flow;
using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PinApi.Analyzers.Tests.Flow;

/// <summary>
/// The facts the flow engine records per acquisition for the dirtying and FOLL_LONGTERM rules to build on: the
/// flags evaluated through constants and locals, the releases reached and the dirtying calls seen.
/// </summary>
public class AcquisitionFactsTests
{
    [Fact]
    public void ConstantFlags()
    {
        var acquisition = Single("""
            var pages = new Page[1];
            long n = Gup.PinUserPages(mm, addr, 1, GupFlags.Write | GupFlags.Longterm, pages);
            if (n == 1) Gup.UnpinUserPage(pages[0]);
            """);
        Assert.True(acquisition.IsWrite);
        Assert.True(acquisition.IsLongterm);
    }

    [Fact]
    public void FlagsThroughALocalWithConditionalOr()
    {
        var acquisition = Single("""
            var flags = GupFlags.Longterm;
            if (write)
                flags |= GupFlags.Write;
            var pages = new Page[1];
            long n = Gup.PinUserPages(mm, addr, 1, flags, pages);
            if (n == 1) Gup.UnpinUserPage(pages[0]);
            """);
        Assert.Null(acquisition.IsWrite);
        Assert.True(acquisition.IsLongterm);
    }

    [Fact]
    public void FlagsThroughAConditionalExpression()
    {
        var acquisition = Single("""
            var pages = new Page[1];
            long n = Gup.PinUserPagesFast(mm, addr, 1, write ? GupFlags.Write : GupFlags.None, pages);
            if (n == 1) Gup.UnpinUserPage(pages[0]);
            """);
        Assert.Null(acquisition.IsWrite);
        Assert.False(acquisition.IsLongterm);
    }

    [Fact]
    public void ReleasesAndDirtyingsAreRecorded()
    {
        var acquisition = Single("""
            var pages = new Page[2];
            long n = Gup.PinUserPages(mm, addr, 2, GupFlags.Write, pages);
            if (n <= 0) return;
            Gup.SetPageDirtyLock(pages[0]);
            Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)n), true);
            """);
        Assert.Equal(new[] { "UnpinUserPagesDirtyLock" }, acquisition.Releases.Select(r => r.Call.TargetMethod.Name));
        Assert.Equal(new[] { "SetPageDirtyLock", "UnpinUserPagesDirtyLock" }, acquisition.Dirtyings.Select(d => d.TargetMethod.Name));
    }

    private static Acquisition Single(string statements)
    {
        var source = TestEnvironment.Usings + "class C { static void M(AddressSpace mm, ulong addr, bool write) {\n" + statements + "\n} }";
        var compilation = CompilationFactory.Create(source);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
        var body = (IMethodBodyOperation)model.GetOperation(method)!;
        var flow = OwnershipFlow.Run(ControlFlowGraph.Create(body), body, ContractSymbols.TryCreate(compilation)!, compilation);
        Assert.NotNull(flow);
        return Assert.Single(flow!.Acquisitions);
    }
}
