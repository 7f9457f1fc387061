using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>Turns the recorded facts into diagnostics with their path locations and the data the code fixes need.</summary>
internal sealed partial class OwnershipFlow
{
    public const string ReplacementKey = DiagnosticPropertyKeys.Replacement;

    public const string AcquireTwinKey = DiagnosticPropertyKeys.AcquireTwin;

    public const string ReleaseTwinsKey = DiagnosticPropertyKeys.ReleaseTwins;

    public const string ReturnedCountKey = DiagnosticPropertyKeys.ReturnedCount;

    public const string CastKey = DiagnosticPropertyKeys.Cast;

    private static string KindName(PageRefKind kind) => kind == PageRefKind.Pin ? "PIN" : "GET";

    private string PathText(FlowState state, int index, string tail)
    {
        var branch = state.Branch[index];
        return branch is null ? tail : $"where '{Short(branch)}' is {(state.BranchValue[index] ? "true" : "false")} (line {Line(branch)}), {tail}";
    }

    private void AddLeak(Acquisition acquisition, Location site, FlowState state, string tail)
    {
        if (!leaks.TryGetValue(acquisition, out var list))
        {
            leaks[acquisition] = list = new List<(Location, FlowState, string)>();
        }

        if (!list.Any(l => l.Site == site))
        {
            list.Add((site, state.Clone(), PathText(state, acquisition.Index, tail)));
        }
    }

    private void ReportAfterRelease(DiagnosticDescriptor rule, Acquisition acquisition, SyntaxNode site, string what, FlowState state)
    {
        var first = state.ReleaseSite[acquisition.Index];
        var locations = new List<Location>();
        if (first is not null)
        {
            locations.Add(first.GetLocation());
        }

        locations.Add(acquisition.Call.Syntax.GetLocation());
        var path = first is null ? "an earlier release" : $"'{Short(first)}' at line {Line(first)}";
        report.Add(Diagnostic.Create(rule, site.GetLocation(), locations, what, acquisition.Holder.Name, acquisition.Describe(), path));
    }

    private void ReportRequestedCount(Acquisition acquisition, string release, IOperation count)
    {
        var reason = acquisition.CountLocal is null
            ? "its return value is not kept"
            : $"'{acquisition.CountLocal.Name}' is not checked against it on this path";
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (acquisition.CountLocal is not null)
        {
            properties = properties.Add(ReturnedCountKey, acquisition.CountLocal.Name).Add(CastKey, CastFor(acquisition.CountLocal, count));
        }

        report.Add(Diagnostic.Create(
            Descriptors.PIN0006_ReleasesRequestedCount,
            count.Syntax.GetLocation(),
            new[] { acquisition.Call.Syntax.GetLocation() },
            properties,
            release,
            Short(count.Syntax),
            acquisition.Describe(),
            reason));
    }

    /// <summary>The cast the returned count needs where the requested count stood (a long count into an int slice length).</summary>
    private string CastFor(ILocalSymbol countLocal, IOperation count)
    {
        ITypeSymbol? wanted = null;
        for (var parent = count.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IArgumentOperation { Parameter: { } parameter })
            {
                wanted = parameter.Type;
                break;
            }

            if (parent is IRangeOperation)
            {
                wanted = compilation.GetSpecialType(SpecialType.System_Int32);
                break;
            }

            if (parent is IBinaryOperation)
            {
                return string.Empty;
            }

            if (parent is not IConversionOperation)
            {
                break;
            }
        }

        if (wanted is null || wanted.TypeKind == TypeKind.Error)
        {
            return string.Empty;
        }

        var conversion = compilation.ClassifyCommonConversion(countLocal.Type, wanted);
        return conversion.IsImplicit ? string.Empty : wanted.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
    }

    private void ReportExits()
    {
        foreach (var exit in exits)
        {
            foreach (var acquisition in acquisitions)
            {
                if (!acquisition.OwnedByCaller && (exit.State.Masks[acquisition.Index] & RefState.AnyHeld) != 0)
                {
                    var location = ExitLocation(exit.Block, exit.BranchValue);
                    var line = location.GetLineSpan().StartLinePosition.Line + 1;
                    var tail = location.SourceTree?.GetRoot().FindNode(location.SourceSpan) is Microsoft.CodeAnalysis.CSharp.Syntax.ReturnStatementSyntax
                        ? $"to the return at line {line}"
                        : $"to the end of the method at line {line}";
                    AddLeak(acquisition, location, exit.State, tail);
                }
            }
        }

        foreach (var pair in leaks)
        {
            var acquisition = pair.Key;
            var first = pair.Value[0];
            var locations = new List<Location>();
            var branch = first.State.Branch[acquisition.Index];
            if (branch is not null)
            {
                locations.Add(branch.GetLocation());
            }

            locations.AddRange(pair.Value.Select(l => l.Site));
            report.Add(Diagnostic.Create(
                Descriptors.PIN0003_NotReleased,
                acquisition.Call.Syntax.GetLocation(),
                locations,
                KindName(acquisition.Kind),
                acquisition.Describe(),
                acquisition.Holder.Name,
                first.Path));
        }

        foreach (var (acquisition, release, contract) in mismatches)
        {
            ReportMismatch(acquisition, release, contract);
        }

        foreach (var (acquisition, site, use) in needsPin)
        {
            ReportNeedsPin(acquisition, site, use);
        }

        ReportLongterm();
    }

    private void ReportMismatch(Acquisition acquisition, IInvocationOperation release, ReleaseContract contract)
    {
        var replacement = ReleaseTwin(contract);
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (replacement is not null)
        {
            properties = properties.Add(ReplacementKey, replacement);
        }

        var locations = new List<Location> { acquisition.Call.Syntax.GetLocation() };
        // Converting the acquire to its Pin* twin turns every GET release of it into its unpin twin.
        AddConversion(acquisition, ref properties, locations);

        var rule = acquisition.Kind == PageRefKind.Pin ? Descriptors.PIN0001_PinReleasedAsGet : Descriptors.PIN0002_GetReleasedAsPin;
        report.Add(Diagnostic.Create(
            rule,
            release.Syntax.GetLocation(),
            locations,
            properties,
            release.TargetMethod.Name,
            acquisition.Holder.Name,
            acquisition.Describe(),
            replacement ?? (acquisition.Kind == PageRefKind.Pin ? "the unpin family" : "PutPage")));
    }

    /// <summary>The release of the other family with the same parameters: the contract's Twin, or the one such method of the type.</summary>
    internal static string? ReleaseTwin(ReleaseContract contract, ContractSymbols contracts)
    {
        var method = contract.Method;
        foreach (var candidate in method.ContainingType.GetMembers().OfType<IMethodSymbol>())
        {
            if ((contract.Twin is null || candidate.Name == contract.Twin) && SameParameters(candidate, method) &&
                contracts.GetRelease(candidate) is { } other && other.Kind != contract.Kind)
            {
                return candidate.Name;
            }
        }

        return null;
    }

    private string? ReleaseTwin(ReleaseContract contract) => ReleaseTwin(contract, contracts);

    private string? AcquireTwin(AcquireContract contract) => AcquireTwin(contract, contracts);

    /// <summary>The acquire of the other family with the same parameters, named by the contract's Twin, or null.</summary>
    internal static string? AcquireTwin(AcquireContract contract, ContractSymbols contracts)
    {
        if (contract.Twin is null)
        {
            return null;
        }

        var method = contract.Method;
        return method.ContainingType.GetMembers(contract.Twin).OfType<IMethodSymbol>()
            .Any(candidate => SameParameters(candidate, method) && contracts.GetAcquire(candidate) is { } other && other.Kind != contract.Kind)
            ? contract.Twin
            : null;
    }

    private static bool SameParameters(IMethodSymbol a, IMethodSymbol b) =>
        a.Parameters.Length == b.Parameters.Length &&
        a.Parameters.Zip(b.Parameters, (x, y) => x.RefKind == y.RefKind && SymbolEqualityComparer.Default.Equals(x.Type, y.Type)).All(same => same);
}
