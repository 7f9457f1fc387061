using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinApi.Analyzers.Flow;

namespace PinApi.Analyzers;

/// <summary>
/// PIN0001–PIN0006 for references held in locals and parameters: runs <see cref="OwnershipFlow"/> on the control flow
/// graph of every method body that calls an <c>[Acquires]</c> method. Field-held references are paired across the
/// type's methods by <see cref="FieldPairingAnalyzer"/>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OwnershipFlowAnalyzer : PinAnalyzerBase
{
    /// <summary>Methods with more basic blocks than this are skipped (PIN0000) so the IDE never stalls on one of them.</summary>
    public const int MaxBlocks = 4000;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.PIN0000_MethodTooLarge,
        Descriptors.PIN0001_PinReleasedAsGet,
        Descriptors.PIN0002_GetReleasedAsPin,
        Descriptors.PIN0003_NotReleased,
        Descriptors.PIN0004_ReleasedTwice,
        Descriptors.PIN0005_UsedAfterRelease,
        Descriptors.PIN0006_ReleasesRequestedCount,
        Descriptors.PIN0101_WritePinNotDirtied,
        Descriptors.PIN0102_DirtyWithoutPageLock,
        Descriptors.PIN0103_DirtiedWithoutWrite,
        Descriptors.PIN0104_WrittenWithoutWrite,
        Descriptors.PIN0201_LongtermWithGet,
        Descriptors.PIN0202_LongtermRemoteWithLocked,
        Descriptors.PIN0203_InternalFlag,
        Descriptors.PIN0204_LongtermNotKept,
        Descriptors.PIN0205_GetNeedsPin,
        Descriptors.PIN0206_KeptWithoutLongterm,
        Descriptors.PIN0207_FlagRejectedByFast);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, ContractSymbols contracts)
    {
        context.RegisterOperationBlockAction(block => AnalyzeBlock(block, contracts));
    }

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, ContractSymbols contracts)
    {
        foreach (var block in context.OperationBlocks)
        {
            // C# hands a method's body as its block (whose parent is the method body operation) or as the body operation
            // itself; the graph is built for the root. Lambdas, local functions and field initializers are not analyzed.
            var body = block;
            while (body.Parent is not null)
            {
                body = body.Parent;
            }

            if (body is not (IMethodBodyOperation or IConstructorBodyOperation) || body != block && context.OperationBlocks.Contains(body))
            {
                continue;
            }

            // Cheap pre-filter: no acquire call, nothing to track.
            var acquires = body.Descendants().OfType<IInvocationOperation>().Where(invocation => contracts.GetAcquire(invocation.TargetMethod) is not null).ToList();
            if (acquires.Count == 0)
            {
                continue;
            }

            // A graph over the cap, or a fixpoint over its budget, is skipped with PIN0000; the call-site flag rules
            // need no flow and run either way.
            var graph = context.GetControlFlowGraph(block);
            var flow = graph.Blocks.Length > MaxBlocks ? null : OwnershipFlow.Run(graph, body, contracts, context.Compilation);
            var callSites = new CallSiteRules(contracts, body, flow is { Aborted: false } ? flow : null, context.OwningSymbol, context.ReportDiagnostic);
            foreach (var acquire in acquires)
            {
                callSites.Check(acquire);
            }

            if (graph.Blocks.Length > MaxBlocks || flow is { Aborted: true })
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.PIN0000_MethodTooLarge,
                    context.OwningSymbol.Locations.FirstOrDefault(),
                    context.OwningSymbol.Name,
                    graph.Blocks.Length,
                    MaxBlocks));
                continue;
            }

            if (flow is null)
            {
                continue;
            }

            foreach (var diagnostic in flow.Report.Diagnostics)
            {
                context.ReportDiagnostic(diagnostic);
            }
        }
    }
}
