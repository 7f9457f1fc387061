using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// Evaluates a flags argument through constants, <c>|</c>, conditional expressions and locals (every assignment and
/// <c>|=</c> to the local in the method body), on the original operation tree of the method.
/// </summary>
internal sealed class FlagsEvaluator
{
    private readonly List<IOperation> body;

    public FlagsEvaluator(IOperation originalBody) => body = originalBody.DescendantsAndSelf().ToList();

    public FlagsValue Evaluate(IOperation? operation) => operation is null ? FlagsValue.Unknown : Evaluate(operation, 0);

    private FlagsValue Evaluate(IOperation operation, int depth)
    {
        if (depth > 8)
        {
            return FlagsValue.Unknown;
        }

        if (operation.ConstantValue is { HasValue: true, Value: not null } constant && IsInteger(constant.Value))
        {
            return FlagsValue.Constant(System.Convert.ToUInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        switch (operation)
        {
            case IConversionOperation conversion:
                return Evaluate(conversion.Operand, depth + 1);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Or } or:
                return Evaluate(or.LeftOperand, depth + 1).Or(Evaluate(or.RightOperand, depth + 1));
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                return Evaluate(conditional.WhenTrue, depth + 1).Either(Evaluate(whenFalse, depth + 1));
            case ILocalReferenceOperation local:
                return Local(local.Local, depth);
            default:
                return FlagsValue.Unknown;
        }
    }

    private FlagsValue Local(ILocalSymbol local, int depth)
    {
        FlagsValue? assigned = null;
        ulong added = 0;
        ulong addedMentioned = 0;
        foreach (var operation in body)
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    if (declarator.Initializer is { } initializer)
                    {
                        var value = Evaluate(initializer.Value, depth + 1);
                        assigned = assigned is null ? value : assigned.Value.Either(value);
                    }

                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } simple when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    var simpleValue = Evaluate(simple.Value, depth + 1);
                    assigned = assigned is null ? simpleValue : assigned.Value.Either(simpleValue);
                    break;
                case ICompoundAssignmentOperation { Target: ILocalReferenceOperation target } compound when SymbolEqualityComparer.Default.Equals(target.Local, local):
                    if (compound.OperatorKind != BinaryOperatorKind.Or)
                    {
                        return FlagsValue.Unknown;
                    }

                    // |= may add its bits on some path; it never removes one.
                    var addedValue = Evaluate(compound.Value, depth + 1);
                    added |= addedValue.May;
                    addedMentioned |= addedValue.Mentioned;
                    break;
                case IArgumentOperation { Value: ILocalReferenceOperation reference, Parameter.RefKind: RefKind.Ref or RefKind.Out } when SymbolEqualityComparer.Default.Equals(reference.Local, local):
                    return FlagsValue.Unknown;
            }
        }

        return assigned is null ? FlagsValue.Unknown : new FlagsValue(assigned.Value.May | added, assigned.Value.Must, assigned.Value.Mentioned | addedMentioned);
    }

    private static bool IsInteger(object value) => value is int or long or short or uint or ulong or ushort or byte or sbyte;
}
