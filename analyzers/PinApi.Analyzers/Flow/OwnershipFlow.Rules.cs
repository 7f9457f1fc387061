using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// The dirtying, FOLL_WRITE and FOLL_LONGTERM rules that need the flow (PIN0101–PIN0104, PIN0201's conversion,
/// PIN0204–PIN0206): they read the facts the transfer functions record on each <see cref="Acquisition"/>.
/// </summary>
internal sealed partial class OwnershipFlow
{
    /// <summary>PIN0101 / PIN0103 at a release of the acquisition's own family.</summary>
    private void CheckReleaseDirtying(Acquisition acquisition, IInvocationOperation release, ReleaseContract contract, FlowState state)
    {
        var makeDirty = contract.Dirties is null ? null : Argument(release, contract.Dirties)?.Value;
        var constant = makeDirty?.ConstantValue is { HasValue: true, Value: bool value } ? value : (bool?)null;
        var dirties = makeDirty is not null && constant != false;
        var i = acquisition.Index;
        // Only pages written on the path (page data, a device that writes) need dirtying: an error unwind that
        // releases a write pin nobody wrote through (io_uring's "release any pages we did get") is right as it is.
        // A dirtying loop before a bulk release (for each page SetPageDirtyLock, then UnpinUserPages) leaves "clean"
        // on its zero-iteration path; a dirtying call already seen for these pages counts as dirtying them.
        if (!dirties && state.MaybeClean[i] && state.MaybeWritten[i] && acquisition.Dirtyings.Count == 0 &&
            acquisition.Kind == PageRefKind.Pin && acquisition.IsWrite == true)
        {
            ReportNotDirtied(acquisition, release, contract, makeDirty, state);
        }

        if (constant == true && acquisition.IsWrite == false)
        {
            ReportMissingWrite(Descriptors.PIN0103_DirtiedWithoutWrite, acquisition, release.Syntax, release.TargetMethod.Name);
        }
    }

    private void ReportNotDirtied(Acquisition acquisition, IInvocationOperation release, ReleaseContract contract, IOperation? makeDirty, FlowState state)
    {
        var properties = ImmutableDictionary<string, string?>.Empty;
        var locations = new List<Location> { acquisition.Call.Syntax.GetLocation() };
        if (makeDirty is not null)
        {
            properties = properties.Add(DiagnosticPropertyKeys.MakeDirtyFalse, "true");
            locations.Add(makeDirty.Syntax.GetLocation());
        }
        else if (DirtyingRelease(contract) is { } dirtying)
        {
            properties = properties.Add(DiagnosticPropertyKeys.DirtyingRelease, dirtying);
        }
        else if (DirtyBefore(contract) is { } dirtyBefore)
        {
            properties = properties.Add(DiagnosticPropertyKeys.DirtyBefore, dirtyBefore);
        }

        var branch = state.Branch[acquisition.Index];
        var path = branch is null ? string.Empty : $" on the path where '{Short(branch)}' is {(state.BranchValue[acquisition.Index] ? "true" : "false")} (line {Line(branch)})";
        report.Add(Diagnostic.Create(
            Descriptors.PIN0101_WritePinNotDirtied,
            release.Syntax.GetLocation(),
            locations,
            properties,
            release.TargetMethod.Name,
            acquisition.Holder.Name,
            acquisition.Describe(),
            path));
    }

    /// <summary>The release of the same type and family taking the same parameters plus a trailing makeDirty flag.</summary>
    private string? DirtyingRelease(ReleaseContract contract)
    {
        var method = contract.Method;
        foreach (var candidate in method.ContainingType.GetMembers().OfType<IMethodSymbol>())
        {
            if (candidate.Parameters.Length == method.Parameters.Length + 1 && !IsReplaced(candidate) &&
                contracts.GetRelease(candidate) is { Dirties: { } dirties } other && other.Kind == contract.Kind &&
                dirties.Ordinal == method.Parameters.Length &&
                method.Parameters.Zip(candidate.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same))
            {
                return candidate.Name;
            }
        }

        return null;
    }

    /// <summary>A method carrying <c>[ReplacedBy]</c> is never proposed: PIN0301 would rename it at once.</summary>
    private static bool IsReplaced(IMethodSymbol method) => HasContractAttribute(method, "ReplacedByAttribute");

    /// <summary>A <c>[DirtiesPageLocked]</c> method of the release's type taking the released page's type.</summary>
    private string? DirtyBefore(ReleaseContract contract)
    {
        if (contract.Pages is not { } pages || contract.Method.Parameters.Length != 1)
        {
            return null;
        }

        return contract.Method.ContainingType.GetMembers().OfType<IMethodSymbol>()
            .FirstOrDefault(m => m.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, pages.Type) &&
                                 contracts.HasAttribute(m, contracts.DirtiesPageLockedAttribute))?.Name;
    }

    /// <summary>PIN0102: the <c>[DirtiesPageLocked]</c> sibling with the same parameters is the replacement.</summary>
    private void ReportRawDirty(Acquisition acquisition, IInvocationOperation dirty)
    {
        var method = dirty.TargetMethod.OriginalDefinition;
        var locked = method.ContainingType.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(m =>
            contracts.HasAttribute(m, contracts.DirtiesPageLockedAttribute) && m.Parameters.Length == method.Parameters.Length &&
            m.Parameters.Zip(method.Parameters, (a, b) => SymbolEqualityComparer.Default.Equals(a.Type, b.Type)).All(same => same));
        var properties = locked is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticPropertyKeys.Replacement, locked.Name);
        report.Add(Diagnostic.Create(
            Descriptors.PIN0102_DirtyWithoutPageLock,
            dirty.Syntax.GetLocation(),
            new[] { acquisition.Call.Syntax.GetLocation() },
            properties,
            dirty.TargetMethod.Name,
            acquisition.Holder.Name,
            acquisition.Describe(),
            locked?.Name ?? "the page-locked variant"));
    }

    /// <summary>PIN0103 / PIN0104: the fix adds GupFlags.Write to the acquire's flags argument.</summary>
    private void ReportMissingWrite(DiagnosticDescriptor rule, Acquisition acquisition, SyntaxNode site, string what)
    {
        var (properties, locations) = AddFlagFix(acquisition, "Write");
        report.Add(Diagnostic.Create(rule, site.GetLocation(), locations, properties, what, acquisition.Holder.Name, acquisition.Describe()));
    }

    private (ImmutableDictionary<string, string?> Properties, List<Location> Locations) AddFlagFix(Acquisition acquisition, string flag)
    {
        var locations = new List<Location> { acquisition.Call.Syntax.GetLocation() };
        var properties = ImmutableDictionary<string, string?>.Empty;
        if (acquisition.Contract.Flags is { } flags && Argument(acquisition.Call, flags) is { IsImplicit: false } argument)
        {
            locations.Add(argument.Value.Syntax.GetLocation());
            properties = properties.Add(DiagnosticPropertyKeys.AddFlag, flag);
        }

        return (properties, locations);
    }

    /// <summary>PIN0205: GET pages handed to a device or written through; the fix is the GET→PIN conversion.</summary>
    private void ReportNeedsPin(Acquisition acquisition, IOperation site, PageUse use)
    {
        var properties = ImmutableDictionary<string, string?>.Empty;
        var locations = new List<Location> { acquisition.Call.Syntax.GetLocation() };
        var twin = AddConversion(acquisition, ref properties, locations);
        var what = site is IInvocationOperation call ? call.TargetMethod.Name : Short(site.Syntax);
        var verb = use == PageUse.DataWrite ? "writes into" : "hands a device";
        report.Add(Diagnostic.Create(
            Descriptors.PIN0205_GetNeedsPin,
            site.Syntax.GetLocation(),
            locations,
            properties,
            $"'{what}'",
            verb,
            acquisition.Holder.Name,
            acquisition.Describe(),
            twin ?? "its Pin* twin"));
    }

    /// <summary>
    /// Adds the GET→PIN conversion to a diagnostic: the acquire's Pin* twin, and the unpin twin of every GET release
    /// the flow paired with it (additional locations 1..n). Returns the acquire's twin, or null when the acquire or one
    /// of its releases has no same-shaped twin (then no conversion is offered).
    /// </summary>
    private string? AddConversion(Acquisition acquisition, ref ImmutableDictionary<string, string?> properties, List<Location> locations)
    {
        // Pages a [TakesOwnership] callee took are released where this method cannot see (vfio's pfn → put_pfn):
        // converting the acquire without those releases would unpin nothing and put a pin.
        if (acquisition.Kind != PageRefKind.Get || acquisition.HandedToOwner || AcquireTwin(acquisition.Contract) is not { } acquireTwin)
        {
            return null;
        }

        var twins = new List<string>();
        var releaseLocations = new List<Location>();
        foreach (var (call, releaseContract) in acquisition.Releases)
        {
            if (releaseContract.Kind != PageRefKind.Get)
            {
                continue;
            }

            if (ReleaseTwin(releaseContract) is not { } twin)
            {
                return null;
            }

            releaseLocations.Add(call.Syntax.GetLocation());
            twins.Add(twin);
        }

        locations.AddRange(releaseLocations);
        properties = properties.Add(AcquireTwinKey, acquireTwin).Add(ReleaseTwinsKey, string.Join(";", twins));
        return acquireTwin;
    }

    /// <summary>PIN0204 and PIN0206, once every exit's state is known.</summary>
    private void ReportLongterm()
    {
        foreach (var acquisition in acquisitions)
        {
            if (acquisition.Kind != PageRefKind.Pin)
            {
                continue;
            }

            if (acquisition.IsLongterm == false && acquisition.KeptAt is { } kept)
            {
                var (properties, locations) = AddFlagFix(acquisition, "Longterm");
                locations.Add(kept.GetLocation());
                report.Add(Diagnostic.Create(
                    Descriptors.PIN0206_KeptWithoutLongterm,
                    acquisition.Call.Syntax.GetLocation(),
                    locations,
                    properties,
                    acquisition.Describe(),
                    acquisition.Holder.Name,
                    $"'{Short(kept)}' (line {Line(kept)})"));
            }

            if (acquisition.IsLongterm == true && acquisition.KeptAt is null && !acquisition.OwnedByCaller && exits.Count > 0 &&
                exits.All(e => (e.State.Masks[acquisition.Index] & ~(RefState.None | RefState.Released | RefState.ReleasedElements)) == 0) &&
                exits.Any(e => (e.State.Masks[acquisition.Index] & (RefState.Released | RefState.ReleasedElements)) != 0))
            {
                var locations = new List<Location> { acquisition.Call.Syntax.GetLocation() };
                var properties = ImmutableDictionary<string, string?>.Empty;
                if (acquisition.Contract.Flags is { } flags && Argument(acquisition.Call, flags) is { IsImplicit: false } argument)
                {
                    locations.Add(argument.Value.Syntax.GetLocation());
                    properties = properties.Add(DiagnosticPropertyKeys.RemoveFlags, "Longterm");
                }

                report.Add(Diagnostic.Create(
                    Descriptors.PIN0204_LongtermNotKept,
                    acquisition.Call.Syntax.GetLocation(),
                    locations,
                    properties,
                    acquisition.Describe(),
                    acquisition.Holder.Name));
            }
        }
    }

    /// <summary>The GET→PIN conversion of a tracked acquire, for PIN0201 reported by the call-site rules; false when untracked.</summary>
    public bool TryConversion(SyntaxNode acquire, ref ImmutableDictionary<string, string?> properties, List<Location> locations)
    {
        if (!bySyntax.TryGetValue(acquire, out var acquisition))
        {
            return false;
        }

        AddConversion(acquisition, ref properties, locations);
        return true;
    }

    /// <summary>True when the acquisition's pages leave the method's sight on some path (stored, returned, handed on).</summary>
    public bool Escaped(Acquisition acquisition) =>
        acquisition.KeptAt is not null || acquisition.OwnedByCaller || exits.Any(e => (e.State.Masks[acquisition.Index] & RefState.Escaped) != 0);
}
