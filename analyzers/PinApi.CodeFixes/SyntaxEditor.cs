using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PinApi.CodeFixes;

/// <summary>Applies <see cref="SyntaxEdit"/>s to a document in one tree rewrite, keeping every token's trivia.</summary>
internal static class SyntaxEditor
{
    public static async Task<Document> ApplyAsync(Document document, IEnumerable<SyntaxEdit> edits, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var renames = new Dictionary<SyntaxToken, string>();
        var replacements = new Dictionary<SyntaxNode, SyntaxEdit>();
        foreach (var edit in edits.Distinct())
        {
            if (edit.Span.End > root.FullSpan.End)
            {
                continue;
            }

            var node = root.FindNode(edit.Span, getInnermostNodeForTie: true);
            if (edit.IsRename)
            {
                var invocation = node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
                if (invocation is not null && NameToken(invocation.Expression) is { } token)
                {
                    renames[token] = edit.Text;
                }
            }
            else if (node is ExpressionSyntax || node is ArgumentSyntax)
            {
                var expression = node is ArgumentSyntax argument ? argument.Expression : node;
                replacements[expression] = edit;
            }
        }

        if (renames.Count == 0 && replacements.Count == 0)
        {
            // An unchanged document, not a new version of it: dotnet format counts any new version as a formatted
            // file, and --verify-no-changes would then report a fix that changes nothing.
            return document;
        }

        var newRoot = root.ReplaceSyntax(
            replacements.Keys,
            (original, _) => Replacement((ExpressionSyntax)original, replacements[original]),
            renames.Keys,
            (original, _) => SyntaxFactory.Identifier(renames[original]).WithTriviaFrom(original),
            Enumerable.Empty<SyntaxTrivia>(),
            (original, _) => original);
        return document.WithSyntaxRoot(newRoot);
    }

    private static SyntaxToken? NameToken(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier,
        SimpleNameSyntax name => name.Identifier,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier,
        _ => null,
    };

    private static SyntaxNode Replacement(ExpressionSyntax original, SyntaxEdit edit)
    {
        ExpressionSyntax replacement = SyntaxFactory.IdentifierName(edit.Text);
        if (edit.Cast.Length > 0)
        {
            replacement = SyntaxFactory.CastExpression(SyntaxFactory.ParseTypeName(edit.Cast), replacement);
        }

        return replacement.WithTriviaFrom(original);
    }
}
