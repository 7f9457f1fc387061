using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using PinApi.Analyzers.Flow;

namespace PinApi.Analyzers;

/// <summary>
/// PIN0001/PIN0002 for references kept in fields: a field filled by an acquire in one method (directly, or through a
/// local stored into it) and released in another with the other family. Runs per type in a symbol-start action, so it
/// works while typing without a compilation-end pass.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FieldPairingAnalyzer : PinAnalyzerBase
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.PIN0001_PinReleasedAsGet,
        Descriptors.PIN0002_GetReleasedAsPin,
        Descriptors.PIN0201_LongtermWithGet);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, ContractSymbols contracts)
    {
        context.RegisterSymbolStartAction(symbolStart => OnType(symbolStart, contracts), SymbolKind.NamedType);
    }

    private static void OnType(SymbolStartAnalysisContext context, ContractSymbols contracts)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetMembers().OfType<IFieldSymbol>().Any(f => PageResolver.IsSpanLike(f.Type) || contracts.IsPageLike(f.Type)))
        {
            return;
        }

        var acquires = new ConcurrentBag<(IFieldSymbol Field, AcquireContract Contract, IInvocationOperation Call)>();
        var directFills = new ConcurrentBag<(IFieldSymbol Field, AcquireContract Contract, IInvocationOperation Call, FlagsValue Flags, GupFlagsInfo Info)>();
        var releases = new ConcurrentBag<(IFieldSymbol Field, ReleaseContract Contract, IInvocationOperation Call)>();
        context.RegisterOperationBlockStartAction(block =>
        {
            var resolver = new PageResolver(contracts);
            var localToField = new ConcurrentDictionary<ISymbol, IFieldSymbol>(SymbolEqualityComparer.Default);
            var fieldAliases = new ConcurrentDictionary<ISymbol, IFieldSymbol>(SymbolEqualityComparer.Default);
            var blockAcquires = new ConcurrentBag<(ISymbol Holder, AcquireContract Contract, IInvocationOperation Call)>();
            var blockReleases = new ConcurrentBag<(ISymbol Holder, ReleaseContract Contract, IInvocationOperation Call)>();

            block.RegisterOperationAction(
                operation =>
                {
                    switch (operation.Operation)
                    {
                        case ISimpleAssignmentOperation assignment:
                            var value = resolver.Resolve(assignment.Value);
                            var target = resolver.Resolve(assignment.Target);
                            if (value is not null && target is { IsElement: false })
                            {
                                if (target.Value.Holder is IFieldSymbol field && value.Value is { IsElement: false, Holder: ILocalSymbol })
                                {
                                    localToField[value.Value.Holder] = field;
                                }
                                else if (value.Value.Holder is IFieldSymbol source && target.Value.Holder is ILocalSymbol)
                                {
                                    fieldAliases[target.Value.Holder] = source;
                                }
                            }

                            break;
                        case IVariableDeclaratorOperation { Initializer.Value: { } initial } declaration:
                            if (resolver.Resolve(initial) is { Holder: IFieldSymbol initialField })
                            {
                                fieldAliases[declaration.Symbol] = initialField;
                            }

                            break;
                        case IForEachLoopOperation loop when loop.LoopControlVariable is IVariableDeclaratorOperation declarator &&
                                                             resolver.Resolve(loop.Collection) is { Holder: IFieldSymbol collection }:
                            fieldAliases[declarator.Symbol] = collection;
                            break;
                        case IInvocationOperation invocation:
                            if (contracts.GetAcquire(invocation.TargetMethod) is { Pages: { } acquirePages } acquire &&
                                resolver.Resolve(OwnershipFlow.Argument(invocation, acquirePages)?.Value) is { } acquired)
                            {
                                blockAcquires.Add((acquired.Holder, acquire, invocation));
                            }

                            if (contracts.GetRelease(invocation.TargetMethod) is { Pages: { } releasePages } release &&
                                resolver.Resolve(OwnershipFlow.Argument(invocation, releasePages)?.Value) is { } released)
                            {
                                blockReleases.Add((released.Holder, release, invocation));
                            }

                            break;
                    }
                },
                OperationKind.SimpleAssignment,
                OperationKind.VariableDeclarator,
                OperationKind.Invocation,
                OperationKind.Loop);

            block.RegisterOperationBlockEndAction(_ =>
            {
                foreach (var (holder, contract, call) in blockAcquires)
                {
                    var field = holder as IFieldSymbol ?? (localToField.TryGetValue(holder, out var stored) ? stored : null);
                    if (field is not null && SymbolEqualityComparer.Default.Equals(field.ContainingType, type))
                    {
                        acquires.Add((field, contract, call));
                        if (holder is IFieldSymbol && contract.Flags is { } flags && GupFlagsInfo.For(flags) is { } info)
                        {
                            var body = (IOperation)call;
                            while (body.Parent is not null)
                            {
                                body = body.Parent;
                            }

                            directFills.Add((field, contract, call, new FlagsEvaluator(body).Evaluate(OwnershipFlow.Argument(call, flags)?.Value), info));
                        }
                    }
                }

                foreach (var (holder, contract, call) in blockReleases)
                {
                    var field = holder as IFieldSymbol ?? (fieldAliases.TryGetValue(holder, out var source) ? source : null);
                    if (field is not null && SymbolEqualityComparer.Default.Equals(field.ContainingType, type))
                    {
                        releases.Add((field, contract, call));
                    }
                }
            });
        });

        // A field filled by one GET acquire can be converted as the flow analysis converts a local: the acquire
        // becomes its Pin* twin and every GET release of the field its unpin twin, across the type's methods. The
        // fix edits one document, so the acquire and those releases must share the diagnostic's file.
        bool ConvertibleToPin(
            List<(IFieldSymbol Field, AcquireContract Contract, IInvocationOperation Call)> fills,
            IEnumerable<(IFieldSymbol Field, ReleaseContract Contract, IInvocationOperation Call)> fieldReleases,
            IInvocationOperation reported,
            List<Location> locations,
            out string acquireTwin,
            out string releaseTwins)
        {
            acquireTwin = string.Empty;
            releaseTwins = string.Empty;
            if (fills.Count != 1 || fills[0].Call.Syntax.SyntaxTree != reported.Syntax.SyntaxTree ||
                OwnershipFlow.AcquireTwin(fills[0].Contract, contracts) is not { } twin)
            {
                return false;
            }

            if (ReleaseTwinsInTree(fieldReleases, reported.Syntax.SyntaxTree, contracts) is not { } found)
            {
                return false;
            }

            locations.AddRange(found.Select(r => r.Location));
            acquireTwin = twin;
            releaseTwins = string.Join(";", found.Select(r => r.Twin));
            return true;
        }

        context.RegisterSymbolEndAction(end =>
        {
            ReportLongtermGets(end, contracts, directFills, acquires, releases);

            var byField = acquires.GroupBy(a => a.Field, SymbolEqualityComparer.Default).ToDictionary(g => g.Key!, g => g.ToList(), SymbolEqualityComparer.Default);
            foreach (var (field, contract, call) in releases.OrderBy(r => r.Call.Syntax.SpanStart))
            {
                if (!byField.TryGetValue(field, out var fills))
                {
                    continue;
                }

                // Only a field every acquire fills with the same kind is provably of that kind.
                var kind = fills[0].Contract.Kind;
                if (fills.Any(f => f.Contract.Kind != kind) || contract.Kind == kind)
                {
                    continue;
                }

                var fill = fills.OrderBy(f => f.Call.Syntax.SpanStart).First();
                var replacement = OwnershipFlow.ReleaseTwin(contract, contracts);
                var properties = replacement is null
                    ? ImmutableDictionary<string, string?>.Empty
                    : ImmutableDictionary<string, string?>.Empty.Add(OwnershipFlow.ReplacementKey, replacement);
                var locations = new List<Location> { fill.Call.Syntax.GetLocation() };
                if (kind == PageRefKind.Get && ConvertibleToPin(fills, releases.Where(r => SymbolEqualityComparer.Default.Equals(r.Field, field)), call, locations, out var acquireTwin, out var releaseTwins))
                {
                    properties = properties.Add(OwnershipFlow.AcquireTwinKey, acquireTwin).Add(OwnershipFlow.ReleaseTwinsKey, releaseTwins);
                }

                end.ReportDiagnostic(Diagnostic.Create(
                    kind == PageRefKind.Pin ? Descriptors.PIN0001_PinReleasedAsGet : Descriptors.PIN0002_GetReleasedAsPin,
                    call.Syntax.GetLocation(),
                    locations,
                    properties,
                    call.TargetMethod.Name,
                    field.Name,
                    fill.Call.TargetMethod.Name,
                    replacement ?? (kind == PageRefKind.Pin ? "the unpin family" : "PutPage")));
            }
        });
    }

    /// <summary>
    /// PIN0201 for acquires that write straight into a field of the type: FOLL_LONGTERM on a GET fill, converted
    /// across the type's methods when the field has that one fill and its GET releases share the fill's document.
    /// </summary>
    private static void ReportLongtermGets(
        SymbolAnalysisContext end,
        ContractSymbols contracts,
        IEnumerable<(IFieldSymbol Field, AcquireContract Contract, IInvocationOperation Call, FlagsValue Flags, GupFlagsInfo Info)> directFills,
        IEnumerable<(IFieldSymbol Field, AcquireContract Contract, IInvocationOperation Call)> acquires,
        IEnumerable<(IFieldSymbol Field, ReleaseContract Contract, IInvocationOperation Call)> releases)
    {
        foreach (var (field, contract, call, flags, info) in directFills.OrderBy(f => f.Call.Syntax.SpanStart))
        {
            var fieldReleases = releases.Where(r => SymbolEqualityComparer.Default.Equals(r.Field, field)).OrderBy(r => r.Call.Syntax.SpanStart).ToList();
            var locations = new List<Location> { call.Syntax.GetLocation() };
            if (contract.Kind == PageRefKind.Get && info.Longterm != 0 && (flags.Mentioned & info.Longterm) != 0)
            {
                var properties = ImmutableDictionary<string, string?>.Empty;
                var fills = acquires.Where(a => SymbolEqualityComparer.Default.Equals(a.Field, field)).ToList();
                var twin = contract.Twin is null ? null : OwnershipFlow.AcquireTwin(contract, contracts);
                if (fills.Count == 1 && twin is not null && ReleaseTwinsInTree(fieldReleases, call.Syntax.SyntaxTree, contracts) is { } releaseTwins)
                {
                    locations.AddRange(releaseTwins.Select(r => r.Location));
                    properties = properties.Add(OwnershipFlow.AcquireTwinKey, twin).Add(OwnershipFlow.ReleaseTwinsKey, string.Join(";", releaseTwins.Select(r => r.Twin)));
                }

                end.ReportDiagnostic(Diagnostic.Create(Descriptors.PIN0201_LongtermWithGet, call.Syntax.GetLocation(), locations, properties, call.TargetMethod.Name, twin ?? "its Pin* twin"));
            }
        }
    }

    /// <summary>The unpin twins of a field's GET releases, when every one is in <paramref name="tree"/> and has a twin (the fix edits one document).</summary>
    private static List<(Location Location, string Twin)>? ReleaseTwinsInTree(
        IEnumerable<(IFieldSymbol Field, ReleaseContract Contract, IInvocationOperation Call)> fieldReleases,
        SyntaxTree tree,
        ContractSymbols contracts)
    {
        var twins = new List<(Location, string)>();
        foreach (var (_, contract, call) in fieldReleases)
        {
            if (contract.Kind != PageRefKind.Get)
            {
                continue;
            }

            if (call.Syntax.SyntaxTree != tree || OwnershipFlow.ReleaseTwin(contract, contracts) is not { } twin)
            {
                return null;
            }

            twins.Add((call.Syntax.GetLocation(), twin));
        }

        return twins;
    }
}
