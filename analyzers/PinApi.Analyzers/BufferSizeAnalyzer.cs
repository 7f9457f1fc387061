using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinApi.Analyzers.Flow;

namespace PinApi.Analyzers;

/// <summary>
/// PIN0007: an acquire whose requested count is a constant larger than the provable length of its pages buffer
/// (<c>new Page[n]</c> with a constant n, in the call or in a local that is never reassigned, a constant-length
/// slice, or the one-element span over a single <c>Page</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BufferSizeAnalyzer : PinAnalyzerBase
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.PIN0007_BufferTooShort);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, ContractSymbols contracts)
    {
        context.RegisterOperationAction(operation => Analyze(operation, contracts), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, ContractSymbols contracts)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var contract = contracts.GetAcquire(invocation.TargetMethod);
        if (contract?.Pages is null || contract.Count is null)
        {
            return;
        }

        var count = OwnershipFlow.Argument(invocation, contract.Count)?.Value;
        var pages = OwnershipFlow.Argument(invocation, contract.Pages)?.Value;
        if (count is null || pages is null || Constant(count) is not long requested)
        {
            return;
        }

        if (Length(pages, contracts, context.CancellationToken, 0) is long length && length < requested)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.PIN0007_BufferTooShort,
                pages.Syntax.GetLocation(),
                invocation.TargetMethod.Name,
                requested,
                pages.Syntax.ToString(),
                length));
        }
    }

    private static long? Constant(IOperation operation)
    {
        var value = operation.ConstantValue;
        return value.HasValue && value.Value is int or long or short or byte or uint or ushort or sbyte
            ? System.Convert.ToInt64(value.Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

    private static long? Length(IOperation operation, ContractSymbols contracts, System.Threading.CancellationToken cancellationToken, int depth)
    {
        if (depth > 4)
        {
            return null;
        }

        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        switch (operation)
        {
            case IArrayCreationOperation creation when creation.DimensionSizes.Length == 1:
                return Constant(creation.DimensionSizes[0]);
            case IObjectCreationOperation creation when PageResolver.IsBcl(creation.Type) && PageResolver.IsSpanLike(creation.Type):
                // new Span<Page>(ref page): exactly one element; new Span<Page>(array, start, length): length.
                if (creation.Arguments.Length == 1 && creation.Arguments[0].Parameter?.RefKind is RefKind.Ref or RefKind.In or RefKind.RefReadOnlyParameter)
                {
                    return 1;
                }

                return creation.Arguments.Length == 3 ? Constant(creation.Arguments[2].Value) : null;
            case IInvocationOperation invocation when PageResolver.IsBcl(invocation.TargetMethod) && PageResolver.IsSpanLike(invocation.Type):
                // AsSpan(start, length) / Slice(start, length): the constant length; AsSpan() / AsSpan(start): the source's.
                var rest = invocation.Instance is null ? invocation.Arguments.Length - 1 : invocation.Arguments.Length;
                if (rest == 2)
                {
                    return Constant(invocation.Arguments[invocation.Arguments.Length - 1].Value);
                }

                var source = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
                var whole = source is null ? null : Length(source, contracts, cancellationToken, depth + 1);
                return rest == 1 && whole is long total && Constant(invocation.Arguments[invocation.Arguments.Length - 1].Value) is long start ? total - start : rest == 0 ? whole : null;
            case ILocalReferenceOperation local:
                return LocalLength(local.Local, operation, contracts, cancellationToken, depth);
            default:
                return null;
        }
    }

    /// <summary>The length a local's initializer gives it, when nothing in its method assigns it again.</summary>
    private static long? LocalLength(ILocalSymbol local, IOperation use, ContractSymbols contracts, System.Threading.CancellationToken cancellationToken, int depth)
    {
        if (local.DeclaringSyntaxReferences.Length != 1 ||
            local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator ||
            use.SemanticModel is not { } model)
        {
            return null;
        }

        var scope = declarator.FirstAncestorOrSelf<MemberDeclarationSyntax>();
        if (scope is null || !ReferenceEquals(declarator.SyntaxTree, model.SyntaxTree))
        {
            return null;
        }

        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name)
            {
                continue;
            }

            // Written again (assignment, ref/out argument, ++): its length is no longer the initializer's.
            var parent = identifier.Parent;
            var written = parent is AssignmentExpressionSyntax assignment && assignment.Left == identifier ||
                          parent is ArgumentSyntax { RefKindKeyword.RawKind: not 0 };
            if (written)
            {
                return null;
            }
        }

        var operation = model.GetOperation(initializer, cancellationToken);
        return operation is null ? null : Length(operation, contracts, cancellationToken, depth + 1);
    }
}
