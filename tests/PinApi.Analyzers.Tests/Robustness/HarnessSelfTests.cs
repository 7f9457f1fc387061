using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PinApi.Analyzers.Tests.Robustness;

/// <summary>The fuzz harness itself: it must see an analyzer that throws, or the robustness test proves nothing.</summary>
public class HarnessSelfTests
{
    [Fact]
    public async Task ThrowingAnalyzerIsCaught()
    {
        var exceptions = new List<Exception>();
        await CompilationFactory.AnalyzeAsync(CompilationFactory.Create("class C { void M() { } }"), ImmutableArray.Create<DiagnosticAnalyzer>(new ThrowingAnalyzer()), exceptions);
        Assert.NotEmpty(exceptions);
    }

    [Fact]
    public async Task HugeMethodIsSkippedWithAHiddenDiagnostic()
    {
        var body = string.Concat(Enumerable.Range(0, 2100).Select(i => $"if (n == {i}) n++;\nelse n--;\n"));
        var source = TestEnvironment.Usings + "class C { static void M(AddressSpace mm, ulong a, int n) {\nvar p = new Page[1];\nGup.PinUserPagesFast(mm, a, 1, GupFlags.None, p);\n" + body + "} }";
        var exceptions = new List<Exception>();
        var diagnostics = await CompilationFactory.AnalyzeAsync(CompilationFactory.Create(source), exceptions);
        Assert.Empty(exceptions);
        var skipped = Assert.Single(diagnostics);
        Assert.Equal("PIN0000", skipped.Id);
        Assert.Equal(DiagnosticSeverity.Hidden, skipped.Severity);
    }

    // A test double that is never loaded by a compiler: the rules for shipped analyzers do not apply to it.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST0001", "t", "t", "t", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSyntaxTreeAction(_ => throw new InvalidOperationException("boom"));
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008
}
