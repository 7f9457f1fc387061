using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using PinApi.Analyzers;

namespace PinApi.CodeFixes;

/// <summary>
/// PIN0301: renames a use of a replaced API to its replacement (<c>PutUserPage</c> → <c>UnpinUserPage</c>), touching
/// only the name token, so arguments, named arguments, qualification, <c>using static</c>, method groups, nameof and
/// every bit of trivia stay as they were. Fix-all rewrites each document once, replacing all its tokens in one pass,
/// which is what makes a solution-wide rename fast.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReplacedApiCodeFixProvider)), Shared]
public sealed class ReplacedApiCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.PIN0301_ReplacedApi.Id);

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(
        async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var renamed = root is null ? null : Rename(root, diagnostics);

            // The same document when nothing was renamed: a new version would count as a change to dotnet format.
            return renamed is null || renamed == root ? document : document.WithSyntaxRoot(renamed);
        });

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!IsRenamable(diagnostic, out var replacement))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Rename to '{replacement}'",
                    token => RenameAsync(context.Document, diagnostic, token),
                    PinFixKeys.RenameReplacedApi),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static bool IsRenamable(Diagnostic diagnostic, out string replacement)
    {
        replacement = diagnostic.Properties.TryGetValue(DiagnosticPropertyKeys.Replacement, out var value) ? value ?? string.Empty : string.Empty;
        return replacement.Length > 0 &&
            diagnostic.Properties.TryGetValue(DiagnosticPropertyKeys.Renamable, out var renamable) && renamable == "true";
    }

    private static async Task<Document> RenameAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var renamed = root is null ? null : Rename(root, new[] { diagnostic });
        return renamed is null || renamed == root ? document : document.WithSyntaxRoot(renamed);
    }

    /// <summary>Replaces the identifier token of every renamable diagnostic, keeping the token's trivia.</summary>
    private static SyntaxNode Rename(SyntaxNode root, IEnumerable<Diagnostic> diagnostics)
    {
        var renames = new Dictionary<SyntaxToken, string>();
        foreach (var diagnostic in diagnostics)
        {
            if (!IsRenamable(diagnostic, out var replacement))
            {
                continue;
            }

            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span == diagnostic.Location.SourceSpan)
            {
                renames[token] = replacement;
            }
        }

        return renames.Count == 0
            ? root
            : root.ReplaceTokens(renames.Keys, (original, _) => SyntaxFactory.Identifier(original.LeadingTrivia, renames[original], original.TrailingTrivia));
    }
}
