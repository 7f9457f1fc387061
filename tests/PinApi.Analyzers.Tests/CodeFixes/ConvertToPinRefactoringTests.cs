using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>The GET→PIN conversion as a refactoring on any GET call: offered where the flow sees every release, not elsewhere.</summary>
public class ConvertToPinRefactoringTests
{
    /// <summary>
    /// Runs the provider at the <c>[||]</c> caret in an ad-hoc workspace and compares the first action's result with
    /// <paramref name="fixedSource"/>; when they are equal, asserts that nothing is offered at all.
    /// </summary>
    private static async Task VerifyAsync(string source, string fixedSource)
    {
        var caret = source.IndexOf("[||]", StringComparison.Ordinal);
        Assert.True(caret >= 0, "the source needs a [||] caret");
        var text = TestEnvironment.Usings + source.Replace("[||]", string.Empty, StringComparison.Ordinal);
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Refactoring", LanguageNames.CSharp)
            .WithMetadataReferences(CompilationFactory.References)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var document = project.AddDocument("Test0.cs", SourceText.From(text));
        var actions = new List<CodeAction>();
        var context = new CodeRefactoringContext(document, new TextSpan(TestEnvironment.Usings.Length + caret, 0), actions.Add, CancellationToken.None);
        await new ConvertToPinRefactoringProvider().ComputeRefactoringsAsync(context);

        if (source == fixedSource)
        {
            Assert.Empty(actions);
            return;
        }

        var action = Assert.Single(actions);
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetDocument(document.Id)!;
        Assert.Equal(TestEnvironment.Usings + fixedSource, (await changed.GetTextAsync()).ToString());
        var compilation = (await changed.Project.GetCompilationAsync())!;
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public Task ABalancedGetCallIsConvertedWithItsReleases() => VerifyAsync("""
        static class ProcessVm
        {
            static void Copy(AddressSpace mm, ulong addr, byte[] into)
            {
                var pages = new Page[2];
                var n = Gup.[||]GetUserPagesUnlocked(mm, addr, 2, GupFlags.None, pages);
                for (var i = 0; i < n; i++)
                {
                    pages[i].Data.Slice(0, 1).CopyTo(into.AsSpan(i, 1));
                    Gup.PutPage(pages[i]); // put_page()
                }
            }
        }
        """, """
        static class ProcessVm
        {
            static void Copy(AddressSpace mm, ulong addr, byte[] into)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesUnlocked(mm, addr, 2, GupFlags.None, pages);
                for (var i = 0; i < n; i++)
                {
                    pages[i].Data.Slice(0, 1).CopyTo(into.AsSpan(i, 1));
                    Gup.UnpinUserPage(pages[i]); // put_page()
                }
            }
        }
        """);

    [Fact]
    public Task PagesKeptBeyondTheMethodAreNotConverted()
    {
        const string source = """
            class Ring
            {
                private Page[]? kept;

                long Register(AddressSpace mm, ulong addr)
                {
                    var pages = new Page[2];
                    var n = Gup.[||]GetUserPagesUnlocked(mm, addr, 2, GupFlags.None, pages);
                    kept = pages;
                    return n;
                }
            }
            """;
        return VerifyAsync(source, source);
    }

    [Fact]
    public Task APinCallOffersNothing()
    {
        const string source = """
            static class Probe
            {
                static void Run(AddressSpace mm, ulong addr)
                {
                    var pages = new Page[1];
                    if (Gup.[||]PinUserPagesUnlocked(mm, addr, 1, GupFlags.None, pages) == 1)
                        Gup.UnpinUserPage(pages[0]);
                }
            }
            """;
        return VerifyAsync(source, source);
    }
}
