using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using PinApi.Analyzers;

namespace PinApi.CodeFixes;

/// <summary>PIN0006 → release the count the acquire returned (the analyzer names the local and the cast it needs).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReturnedCountCodeFixProvider))]
[Shared]
public sealed class ReturnedCountCodeFixProvider : CodeFixProvider
{
    private const string ReturnedCountKey = DiagnosticPropertyKeys.ReturnedCount;
    private const string CastKey = DiagnosticPropertyKeys.Cast;

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("PIN0006");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
        await SyntaxEditor.ApplyAsync(document, diagnostics.SelectMany(Edits), context.CancellationToken).ConfigureAwait(false));

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.Properties.TryGetValue(ReturnedCountKey, out var count) && count is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Release the returned count '{count}'",
                        token => SyntaxEditor.ApplyAsync(context.Document, Edits(diagnostic), token),
                        PinFixKeys.ReleaseReturnedCount),
                    diagnostic);
            }
        }

        return Task.CompletedTask;
    }

    private static IEnumerable<SyntaxEdit> Edits(Diagnostic diagnostic)
    {
        if (diagnostic.Properties.TryGetValue(ReturnedCountKey, out var count) && count is not null)
        {
            diagnostic.Properties.TryGetValue(CastKey, out var cast);
            yield return SyntaxEdit.ReplaceWithIdentifier(diagnostic.Location.SourceSpan, count, cast ?? string.Empty);
        }
    }
}
