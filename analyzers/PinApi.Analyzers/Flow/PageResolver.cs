using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// Maps an expression to the page-holding variable it denotes, through conversions, element access, <c>.Page</c> of a
/// typed page, BCL span views (<c>AsSpan</c>, <c>Slice</c>, <c>new Span&lt;Page&gt;(ref page)</c>, ranges), flow
/// captures and the aliases found for the method (<c>Span&lt;Page&gt; s = pages</c>, <c>var pg = pages[0]</c>,
/// <c>foreach (var pg in pages)</c>).
/// </summary>
internal sealed class PageResolver
{
    private readonly ContractSymbols contracts;
    private readonly Dictionary<ILocalSymbol, PageTarget> aliases = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<CaptureId, IOperation> captures = new();

    public PageResolver(ContractSymbols contracts) => this.contracts = contracts;

    public IReadOnlyDictionary<ILocalSymbol, PageTarget> Aliases => aliases;

    public void AddAlias(ILocalSymbol local, PageTarget target) => aliases[local] = target;

    public void RemoveAlias(ILocalSymbol local) => aliases.Remove(local);

    /// <summary>Records a flow capture's value; a capture assigned in two places is not followed.</summary>
    public void AddCapture(CaptureId id, IOperation value)
    {
        if (captures.ContainsKey(id))
        {
            captures[id] = null!;
        }
        else
        {
            captures[id] = value;
        }
    }

    public IOperation Unwrap(IOperation operation)
    {
        var current = operation;
        for (var depth = 0; depth < 32; depth++)
        {
            switch (current)
            {
                case IConversionOperation conversion:
                    current = conversion.Operand;
                    continue;
                case IFlowCaptureReferenceOperation reference when captures.TryGetValue(reference.Id, out var value) && value is not null:
                    current = value;
                    continue;
                case IParenthesizedOperation parenthesized:
                    current = parenthesized.Operand;
                    continue;
            }

            break;
        }

        return current;
    }

    public PageTarget? Resolve(IOperation? operation) => operation is null ? null : Resolve(operation, 0);

    public static bool IsBcl(ISymbol? symbol)
    {
        var ns = symbol?.ContainingNamespace;
        while (ns is not null && !ns.IsGlobalNamespace)
        {
            if (ns.ContainingNamespace is { IsGlobalNamespace: true })
            {
                return ns.Name == "System";
            }

            ns = ns.ContainingNamespace;
        }

        return false;
    }

    public static bool IsSpanLike(ITypeSymbol? type) =>
        type is IArrayTypeSymbol ||
        (type is INamedTypeSymbol { IsGenericType: true } named && IsBcl(named) && named.IsRefLikeType);

    private PageTarget? Resolve(IOperation operation, int depth)
    {
        if (depth > 16)
        {
            return null;
        }

        operation = Unwrap(operation);
        switch (operation)
        {
            case ILocalReferenceOperation local:
                return aliases.TryGetValue(local.Local, out var alias) ? alias : new PageTarget(local.Local, false, null, null);
            case IParameterReferenceOperation parameter:
                return new PageTarget(parameter.Parameter, false, null, null);
            case IFieldReferenceOperation field:
                return new PageTarget(field.Field, false, null, null);
            case IArrayElementReferenceOperation element when element.Indices.Length == 1:
                return Element(Resolve(element.ArrayReference, depth + 1), element.Indices[0]);
            case IImplicitIndexerReferenceOperation indexer:
                return Element(Resolve(indexer.Instance, depth + 1), indexer.Argument);
            case IPropertyReferenceOperation property when property.Instance is not null:
                if (property.Property.IsIndexer && property.Arguments.Length == 1 && IsSpanLike(property.Instance.Type))
                {
                    return Element(Resolve(property.Instance, depth + 1), property.Arguments[0].Value);
                }

                // GotPage.Page / PinnedPage.Page name the same reference as the typed page they belong to.
                return contracts.IsPageLike(property.Instance.Type) && contracts.IsPageLike(property.Type)
                    ? Resolve(property.Instance, depth + 1)
                    : null;
            case IInvocationOperation invocation when IsBcl(invocation.TargetMethod) && IsSpanLike(invocation.Type):
                return SpanView(invocation.Instance, invocation.Arguments, depth);
            case IObjectCreationOperation creation when IsBcl(creation.Type) && IsSpanLike(creation.Type):
                return SpanView(null, creation.Arguments, depth);
            default:
                return null;
        }
    }

    private PageTarget? SpanView(IOperation? instance, System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, int depth)
    {
        var source = instance ?? (arguments.Length > 0 ? arguments[0].Value : null);
        if (source is null || !IsSpanLike(source.Type) && !contracts.IsPageLike(source.Type))
        {
            return null;
        }

        var target = Resolve(source, depth + 1);
        if (target is null)
        {
            return null;
        }

        // (start) or (start, length) after the source: the view's length is the last argument of two, and a start
        // that is not the constant 0 makes it a chunk of the buffer.
        var rest = instance is null ? arguments.Length - 1 : arguments.Length;
        if (rest is not (1 or 2))
        {
            return target;
        }

        var start = arguments[arguments.Length - rest].Value;
        var offset = Unwrap(start).ConstantValue is not { HasValue: true, Value: 0 };
        return target.Value.WithSlice(rest == 2 ? arguments[arguments.Length - 1].Value : null, offset);
    }

    private PageTarget? Element(PageTarget? array, IOperation index)
    {
        if (array is null)
        {
            return null;
        }

        index = Unwrap(index);
        if (index is IRangeOperation range)
        {
            var startsAtZero = range.LeftOperand is null || Unwrap(range.LeftOperand).ConstantValue is { HasValue: true, Value: 0 };
            return array.Value.WithSlice(startsAtZero ? range.RightOperand : null, !startsAtZero);
        }

        int? constant = index.ConstantValue is { HasValue: true, Value: int value } ? value : null;
        return array.Value.AsElement(constant);
    }
}
