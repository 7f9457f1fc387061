using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using PinApi.Analyzers;
using PinApi.Analyzers.Flow;

namespace PinApi.CodeFixes;

/// <summary>
/// The GET→PIN conversion as a refactoring on any GET-family call, with no diagnostic needed: the acquire becomes its
/// <c>Pin*</c> twin and every GET release the ownership flow pairs with it becomes its unpin twin. It runs the same
/// flow analysis as PIN0002 on the enclosing method, and is not offered where that analysis cannot see every
/// release: pages kept beyond the method (stored, handed to <c>[TakesOwnership]</c> or unknown code) or released
/// without a same-shaped unpin twin.
/// </summary>
[ExportCodeRefactoringProvider(LanguageNames.CSharp, Name = nameof(ConvertToPinRefactoringProvider))]
[Shared]
public sealed class ConvertToPinRefactoringProvider : CodeRefactoringProvider
{
    public override async Task ComputeRefactoringsAsync(CodeRefactoringContext context)
    {
        var document = context.Document;
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || context.Span.End > root.FullSpan.End)
        {
            return;
        }

        var invocation = root.FindNode(context.Span, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (invocation is null || model.GetOperation(invocation, context.CancellationToken) is not IInvocationOperation call ||
            ContractSymbols.TryCreate(model.Compilation) is not { } contracts ||
            contracts.GetAcquire(call.TargetMethod) is not { Kind: PageRefKind.Get } contract ||
            OwnershipFlow.AcquireTwin(contract, contracts) is not { } twin)
        {
            return;
        }

        var body = invocation.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax);
        if (body is null || model.GetOperation(body, context.CancellationToken) is not { } bodyOperation ||
            bodyOperation is not (IMethodBodyOperation or IConstructorBodyOperation))
        {
            return;
        }

        var graph = bodyOperation is IMethodBodyOperation method
            ? ControlFlowGraph.Create(method, context.CancellationToken)
            : ControlFlowGraph.Create((IConstructorBodyOperation)bodyOperation, context.CancellationToken);
        var flow = OwnershipFlow.Run(graph, bodyOperation, contracts, model.Compilation);
        var properties = ImmutableDictionary<string, string?>.Empty;
        var locations = new List<Location> { invocation.GetLocation() };
        if (flow is null || flow.Aborted || !flow.TryConversion(invocation, ref properties, locations) ||
            !properties.TryGetValue(DiagnosticPropertyKeys.ReleaseTwins, out var releaseTwins) || releaseTwins is null ||
            flow.Acquisitions.FirstOrDefault(a => a.Call.Syntax == invocation) is not { } acquisition || flow.Escaped(acquisition))
        {
            return;
        }

        context.RegisterRefactoring(CodeAction.Create(
            $"Convert to '{twin}' and its releases to the unpin family",
            token => SyntaxEditor.ApplyAsync(document, ReleaseFamilyCodeFixProvider.ConversionEdits(locations, twin, releaseTwins), token),
            PinFixKeys.ConvertAcquireToPin));
    }
}
