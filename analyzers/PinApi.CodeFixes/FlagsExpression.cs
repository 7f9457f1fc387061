using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PinApi.CodeFixes;

/// <summary>
/// Adds a flag to, or removes flags from, a flags argument as written: <c>a | b</c> chains, <c>c ? x : y</c> operands
/// and the zero value. The flags enum is named as the argument already names it (<c>GupFlags.</c>, or unqualified
/// under <c>using static</c>), so the result reads like the code around it.
/// </summary>
internal static class FlagsExpression
{
    /// <summary><paramref name="expression"/> with <paramref name="flag"/> or-ed in; unchanged when it already spells the flag.</summary>
    public static ExpressionSyntax Add(ExpressionSyntax expression, string flag, ExpressionSyntax enumType)
    {
        var operands = Operands(expression).ToList();
        if (operands.Any(o => Name(o) == flag))
        {
            return expression;
        }

        var member = Member(expression, flag, enumType);
        if (IsZero(expression))
        {
            return member.WithTriviaFrom(expression);
        }

        var left = NeedsParentheses(expression) ? SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia()) : expression.WithoutTrivia();
        return SyntaxFactory.BinaryExpression(SyntaxKind.BitwiseOrExpression, left, member).WithTriviaFrom(expression);
    }

    /// <summary><paramref name="expression"/> without the operands naming <paramref name="flags"/>; null when none is spelled out.</summary>
    public static ExpressionSyntax? Remove(ExpressionSyntax expression, ISet<string> flags, ExpressionSyntax enumType)
    {
        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized when Remove(parenthesized.Expression, flags, enumType) is { } inner:
                return parenthesized.WithExpression(inner);
            case ConditionalExpressionSyntax conditional:
                var whenTrue = Remove(conditional.WhenTrue, flags, enumType);
                var whenFalse = Remove(conditional.WhenFalse, flags, enumType);
                return whenTrue is null && whenFalse is null
                    ? null
                    : conditional.WithWhenTrue(whenTrue ?? conditional.WhenTrue).WithWhenFalse(whenFalse ?? conditional.WhenFalse);
        }

        var operands = Operands(expression).ToList();
        var kept = operands.Where(o => !flags.Contains(Name(o) ?? string.Empty)).ToList();
        if (kept.Count == operands.Count)
        {
            return null;
        }

        if (kept.Count == 0)
        {
            return Member(expression, "None", enumType).WithTriviaFrom(expression);
        }

        var result = kept[0].WithoutTrivia();
        for (var i = 1; i < kept.Count; i++)
        {
            result = SyntaxFactory.BinaryExpression(SyntaxKind.BitwiseOrExpression, result, kept[i].WithoutTrivia());
        }

        return result.WithTriviaFrom(expression);
    }

    private static IEnumerable<ExpressionSyntax> Operands(ExpressionSyntax expression)
    {
        if (expression is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.BitwiseOrExpression } or)
        {
            foreach (var operand in Operands(or.Left).Concat(Operands(or.Right)))
            {
                yield return operand;
            }
        }
        else
        {
            yield return expression;
        }
    }

    private static string? Name(ExpressionSyntax operand) => operand switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        _ => null,
    };

    private static bool IsZero(ExpressionSyntax expression) =>
        Name(expression) == "None" ||
        expression is LiteralExpressionSyntax { Token.ValueText: "0" } ||
        expression is CastExpressionSyntax { Expression: LiteralExpressionSyntax { Token.ValueText: "0" } };

    /// <summary>A member of the flags enum, qualified the way the expression qualifies its members, else by <paramref name="enumType"/>.</summary>
    private static ExpressionSyntax Member(ExpressionSyntax expression, string name, ExpressionSyntax enumType)
    {
        var existing = expression.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>().FirstOrDefault(IsEnumMember);
        var qualifier = existing?.Expression.WithoutTrivia() ?? enumType;
        return SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, qualifier, SyntaxFactory.IdentifierName(name));

        bool IsEnumMember(MemberAccessExpressionSyntax access) =>
            access.Expression.WithoutTrivia().ToString() == enumType.WithoutTrivia().ToString() ||
            access.Expression.WithoutTrivia().ToString().EndsWith("." + enumType.WithoutTrivia().ToString(), System.StringComparison.Ordinal);
    }

    private static bool NeedsParentheses(ExpressionSyntax expression) => expression is not (
        IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ParenthesizedExpressionSyntax or
        CastExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.BitwiseOrExpression });
}
