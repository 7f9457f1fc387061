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
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using PinApi.Analyzers;

namespace PinApi.CodeFixes;

/// <summary>
/// The flag fixes at an acquire call: add GupFlags.Write (PIN0103, PIN0104) or GupFlags.Longterm (PIN0206), remove
/// GupFlags.Longterm (PIN0204) or the internal flags (PIN0203) where the argument spells them out, and call the
/// remote overload without <c>locked</c> (PIN0202). The analyzer puts the flags argument (or the locked argument)
/// at additional location 1; the fixer never redoes the analysis.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FlagsCodeFixProvider))]
[Shared]
public sealed class FlagsCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("PIN0103", "PIN0104", "PIN0206", "PIN0204", "PIN0203", "PIN0202");

    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (context, document, diagnostics) =>
    {
        var editor = await DocumentEditor.CreateAsync(document, context.CancellationToken).ConfigureAwait(false);
        var changed = false;

        // One edit per argument: PIN0103 and PIN0104 on the same acquire add Write once, and a node the editor has
        // already replaced cannot be edited again.
        foreach (var group in diagnostics.Where(d => d.AdditionalLocations.Count > 1).GroupBy(d => d.AdditionalLocations[1].SourceSpan))
        {
            changed |= Apply(editor, group.First(), context.CancellationToken, group.ToList());
        }

        return changed ? editor.GetChangedDocument() : document;
    });

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Describe(diagnostic) is not var (title, key) || !CanApply(root, diagnostic))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    title,
                    async token =>
                    {
                        var editor = await DocumentEditor.CreateAsync(context.Document, token).ConfigureAwait(false);
                        return Apply(editor, diagnostic, token) ? editor.GetChangedDocument() : context.Document;
                    },
                    key),
                diagnostic);
        }
    }

    private static (string Title, string Key)? Describe(Diagnostic diagnostic)
    {
        var properties = diagnostic.Properties;
        if (properties.TryGetValue(DiagnosticPropertyKeys.AddFlag, out var add) && add is not null)
        {
            return ($"Add GupFlags.{add} to the acquire", add == "Longterm" ? PinFixKeys.AddLongtermFlag : PinFixKeys.AddWriteFlag);
        }

        if (properties.TryGetValue(DiagnosticPropertyKeys.RemoveFlags, out var remove) && remove is not null)
        {
            return diagnostic.Id == "PIN0204"
                ? ("Remove GupFlags.Longterm: the pin is short-term", PinFixKeys.RemoveLongtermFlag)
                : ($"Remove {string.Join(", ", remove.Split(';').Select(f => "GupFlags." + f))}", PinFixKeys.RemoveInternalFlags);
        }

        if (properties.TryGetValue(DiagnosticPropertyKeys.DropArgument, out var drop) && drop == "true")
        {
            return ("Call the overload without 'locked'", PinFixKeys.DropLocked);
        }

        return null;
    }

    /// <summary>A removal is offered only where the argument spells the flag out (not when a local carries it).</summary>
    private static bool CanApply(SyntaxNode root, Diagnostic diagnostic)
    {
        if (Target(root, diagnostic) is not { } target)
        {
            return false;
        }

        if (diagnostic.Properties.TryGetValue(DiagnosticPropertyKeys.RemoveFlags, out var remove) && remove is not null)
        {
            var placeholder = SyntaxFactory.IdentifierName("GupFlags");
            return target is ExpressionSyntax expression && FlagsExpression.Remove(expression, new HashSet<string>(remove.Split(';')), placeholder) is not null;
        }

        return true;
    }

    private static SyntaxNode? Target(SyntaxNode root, Diagnostic diagnostic)
    {
        if (diagnostic.AdditionalLocations.Count < 2 || diagnostic.AdditionalLocations[1].SourceSpan.End > root.FullSpan.End)
        {
            return null;
        }

        var node = root.FindNode(diagnostic.AdditionalLocations[1].SourceSpan, getInnermostNodeForTie: true);
        return node is ArgumentSyntax argument && !diagnostic.Properties.ContainsKey(DiagnosticPropertyKeys.DropArgument) ? argument.Expression : node;
    }

    private static bool Apply(DocumentEditor editor, Diagnostic diagnostic, CancellationToken cancellationToken, IReadOnlyList<Diagnostic>? sameTarget = null)
    {
        sameTarget ??= new[] { diagnostic };
        var target = Target(editor.OriginalRoot, diagnostic);
        if (target is null)
        {
            return false;
        }

        var properties = diagnostic.Properties;
        if (properties.TryGetValue(DiagnosticPropertyKeys.DropArgument, out var drop) && drop == "true")
        {
            var argument = target.FirstAncestorOrSelf<ArgumentSyntax>();
            if (argument is null)
            {
                return false;
            }

            editor.RemoveNode(argument);
            return true;
        }

        if (target is not ExpressionSyntax expression || EnumType(editor.SemanticModel, expression, cancellationToken) is not { } enumType)
        {
            return false;
        }

        var adds = sameTarget.Select(d => d.Properties.TryGetValue(DiagnosticPropertyKeys.AddFlag, out var add) ? add : null).OfType<string>().Distinct().ToList();
        var removes = new HashSet<string>(sameTarget.SelectMany(d => d.Properties.TryGetValue(DiagnosticPropertyKeys.RemoveFlags, out var remove) && remove is not null ? remove.Split(';') : new string[0]));
        if (adds.Count == 0 && (removes.Count == 0 || FlagsExpression.Remove(expression, removes, enumType) is null))
        {
            return false;
        }

        editor.ReplaceNode(expression, (current, _) =>
        {
            var result = (ExpressionSyntax)current;
            if (removes.Count > 0)
            {
                result = FlagsExpression.Remove(result, removes, enumType) ?? result;
            }

            foreach (var add in adds)
            {
                result = FlagsExpression.Add(result, add, enumType);
            }

            return result;
        });
        return true;
    }

    /// <summary>The flags parameter's enum, named as the code at the call site can name it.</summary>
    private static ExpressionSyntax? EnumType(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken)
    {
        var type = model.GetTypeInfo(expression, cancellationToken).ConvertedType;
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Enum } named)
        {
            return null;
        }

        return SyntaxFactory.ParseTypeName(named.ToMinimalDisplayString(model, expression.SpanStart));
    }
}
