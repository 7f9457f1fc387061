using System.Collections.Immutable;
using System.Linq;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using PinApi.Analyzers;

namespace PinApi.CodeFixes;

/// <summary>
/// PIN0101 → dirty the pages on release: <c>makeDirty: true</c> where the release has the argument, the dirtying
/// release of the same shape (<c>UnpinUserPages(p)</c> → <c>UnpinUserPagesDirtyLock(p, true)</c>), or
/// <c>SetPageDirtyLock(page)</c> before a per-page release. PIN0102 → <c>SetPageDirtyLock</c> for raw
/// <c>SetPageDirty</c>. What to call comes from the diagnostic's properties.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DirtyingCodeFixProvider))]
[Shared]
public sealed class DirtyingCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("PIN0101", "PIN0102");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        var editor = await DocumentEditor.CreateAsync(document, context.CancellationToken).ConfigureAwait(false);
        var changed = false;
        foreach (var diagnostic in diagnostics)
        {
            changed |= Apply(editor, diagnostic);
        }

        return changed ? editor.GetChangedDocument() : document;
    });

    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var title = diagnostic.Id == "PIN0102"
                ? diagnostic.Properties.TryGetValue(DiagnosticPropertyKeys.Replacement, out var locked) && locked is not null ? $"Use '{locked}'" : null
                : diagnostic.Properties.ContainsKey(DiagnosticPropertyKeys.MakeDirtyFalse) ? "Dirty the pages on release (makeDirty: true)"
                : diagnostic.Properties.TryGetValue(DiagnosticPropertyKeys.DirtyingRelease, out var release) && release is not null ? $"Release with '{release}(..., true)'"
                : diagnostic.Properties.TryGetValue(DiagnosticPropertyKeys.DirtyBefore, out var before) && before is not null ? $"Call '{before}' before the release"
                : null;
            if (title is null)
            {
                continue;
            }

            var key = diagnostic.Id == "PIN0102" ? PinFixKeys.UseSetPageDirtyLock : PinFixKeys.DirtyOnRelease;
            context.RegisterCodeFix(
                CodeAction.Create(
                    title,
                    async token =>
                    {
                        var editor = await DocumentEditor.CreateAsync(context.Document, token).ConfigureAwait(false);
                        return Apply(editor, diagnostic) ? editor.GetChangedDocument() : context.Document;
                    },
                    key),
                diagnostic);
        }

        return Task.CompletedTask;
    }

    private static bool Apply(DocumentEditor editor, Diagnostic diagnostic)
    {
        var root = editor.OriginalRoot;
        if (diagnostic.Location.SourceSpan.End > root.FullSpan.End ||
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } call)
        {
            return false;
        }

        var properties = diagnostic.Properties;
        if (diagnostic.Id == "PIN0102" || properties.ContainsKey(DiagnosticPropertyKeys.DirtyingRelease))
        {
            var name = diagnostic.Id == "PIN0102"
                ? properties.TryGetValue(DiagnosticPropertyKeys.Replacement, out var locked) ? locked : null
                : properties.TryGetValue(DiagnosticPropertyKeys.DirtyingRelease, out var release) ? release : null;
            if (name is null)
            {
                return false;
            }

            editor.ReplaceNode(call, (current, _) =>
            {
                var invocation = (InvocationExpressionSyntax)current;
                var renamed = invocation.WithExpression(Renamed(invocation.Expression, name));
                return diagnostic.Id == "PIN0102"
                    ? renamed
                    : renamed.WithArgumentList(renamed.ArgumentList.AddArguments(SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression))));
            });
            return true;
        }

        if (properties.ContainsKey(DiagnosticPropertyKeys.MakeDirtyFalse) && diagnostic.AdditionalLocations.Count > 1)
        {
            var node = root.FindNode(diagnostic.AdditionalLocations[1].SourceSpan, getInnermostNodeForTie: true);
            var argument = node is ArgumentSyntax wrapped ? wrapped.Expression : node as ExpressionSyntax;
            if (argument is null)
            {
                return false;
            }

            editor.ReplaceNode(argument, SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression).WithTriviaFrom(argument));
            return true;
        }

        if (properties.TryGetValue(DiagnosticPropertyKeys.DirtyBefore, out var dirty) && dirty is not null &&
            call.Parent is ExpressionStatementSyntax statement && call.ArgumentList.Arguments.Count == 1)
        {
            var dirtyCall = SyntaxFactory.ExpressionStatement(
                SyntaxFactory.InvocationExpression(Renamed(call.Expression, dirty).WithoutTrivia(), call.ArgumentList.WithoutTrivia()));
            if (statement.Parent is BlockSyntax)
            {
                // The new line ends as the release's line does (LF or CRLF), without copying a trailing comment.
                var endOfLine = statement.GetTrailingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
                var indentation = statement.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
                editor.InsertBefore(statement, dirtyCall
                    .WithLeadingTrivia(indentation == default ? SyntaxFactory.TriviaList() : SyntaxFactory.TriviaList(indentation))
                    .WithTrailingTrivia(endOfLine == default ? SyntaxFactory.ElasticLineFeed : endOfLine));
            }
            else
            {
                // An embedded statement (the body of a for without braces) becomes a block of the two calls.
                editor.ReplaceNode(statement, SyntaxFactory.Block(dirtyCall, statement.WithoutLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
            }

            return true;
        }

        return false;
    }

    private static ExpressionSyntax Renamed(ExpressionSyntax expression, string name) => expression switch
    {
        MemberAccessExpressionSyntax access => access.WithName(SyntaxFactory.IdentifierName(name).WithTriviaFrom(access.Name)),
        IdentifierNameSyntax identifier => SyntaxFactory.IdentifierName(name).WithTriviaFrom(identifier),
        _ => expression,
    };
}
