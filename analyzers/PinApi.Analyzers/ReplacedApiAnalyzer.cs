using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers;

/// <summary>
/// PIN0301: a use of an API marked <c>[ReplacedBy]</c> — the seed series' tree-wide rename of <c>put_user_page*()</c>
/// to <c>unpin_user_page*()</c>, and any user API marked the same way. Calls, method groups and <c>nameof</c> are
/// reported at the method's name, with the replacement in the diagnostic's properties for the code fix. Only
/// replacements that exist with the same parameters are offered as renames.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReplacedApiAnalyzer : PinAnalyzerBase
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.PIN0301_ReplacedApi);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, ContractSymbols contracts)
    {
        var replacedBy = context.Compilation.GetTypeByMetadataName("PinApi.Contracts.ReplacedByAttribute");
        if (replacedBy is null)
        {
            return;
        }

        context.RegisterOperationAction(c => Check(c, ((IInvocationOperation)c.Operation).TargetMethod, replacedBy), OperationKind.Invocation);
        context.RegisterOperationAction(c => Check(c, ((IMethodReferenceOperation)c.Operation).Method, replacedBy), OperationKind.MethodReference);
        context.RegisterOperationAction(c => CheckNameOf(c, (INameOfOperation)c.Operation, replacedBy), OperationKind.NameOf);
    }

    private static void Check(OperationAnalysisContext context, IMethodSymbol method, INamedTypeSymbol replacedBy)
    {
        var name = NameSyntaxOf(context.Operation.Syntax);
        if (name is not null)
        {
            Report(context, method, name, replacedBy);
        }
    }

    /// <summary><c>nameof(Gup.PutUserPage)</c> names a method group, which binds to no operation: resolve its candidates.</summary>
    private static void CheckNameOf(OperationAnalysisContext context, INameOfOperation nameOf, INamedTypeSymbol replacedBy)
    {
        if (nameOf.Argument.Syntax is not ExpressionSyntax argument || nameOf.SemanticModel is null)
        {
            return;
        }

        var info = nameOf.SemanticModel.GetSymbolInfo(argument, context.CancellationToken);
        var method = (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
        var name = NameSyntaxOf(argument);
        if (method is not null && name is not null)
        {
            Report(context, method, name, replacedBy);
        }
    }

    private static void Report(OperationAnalysisContext context, IMethodSymbol method, SimpleNameSyntax name, INamedTypeSymbol replacedBy)
    {
        var attribute = method.OriginalDefinition.GetAttributes()
            .FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, replacedBy));
        if (attribute is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string replacement)
        {
            return;
        }

        // The rename is offered only when the replacement takes the same parameters, so it keeps compiling.
        var renamable = method.ContainingType.GetMembers(replacement).OfType<IMethodSymbol>().Any(candidate => SameParameters(candidate, method));
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(DiagnosticPropertyKeys.Replacement, replacement)
            .Add(DiagnosticPropertyKeys.Renamable, renamable ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.PIN0301_ReplacedApi, name.Identifier.GetLocation(), properties, method.Name, replacement));
    }

    private static bool SameParameters(IMethodSymbol a, IMethodSymbol b) =>
        a.Parameters.Length == b.Parameters.Length &&
        a.Parameters.Zip(b.Parameters, (x, y) => SymbolEqualityComparer.Default.Equals(x.Type, y.Type) && x.RefKind == y.RefKind && x.Name == y.Name).All(same => same);

    /// <summary>The simple name that spells the method in a call, a member access, a method group or a nameof argument.</summary>
    private static SimpleNameSyntax? NameSyntaxOf(SyntaxNode syntax) => syntax switch
    {
        InvocationExpressionSyntax invocation => NameSyntaxOf(invocation.Expression),
        MemberAccessExpressionSyntax access => access.Name,
        MemberBindingExpressionSyntax binding => binding.Name,
        SimpleNameSyntax simple => simple,
        _ => null,
    };
}
