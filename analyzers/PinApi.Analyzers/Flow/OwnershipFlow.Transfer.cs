using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>The transfer functions: what each operation and each branch does to the acquisitions' states.</summary>
internal sealed partial class OwnershipFlow
{
    private readonly Dictionary<Acquisition, List<(Location Site, FlowState State, string Path)>> leaks = new();
    private readonly List<(Acquisition Acquisition, IInvocationOperation Release, ReleaseContract Contract)> mismatches = new();
    private readonly List<(Acquisition Acquisition, IOperation Site, PageUse Use)> needsPin = new();

    /// <summary>Set by <see cref="IsKept"/> when the pages went to a [TakesOwnership] parameter.</summary>
    private bool handedToOwner;

    private void Visit(IOperation operation, FlowState state)
    {
        if (operation is IFlowAnonymousFunctionOperation)
        {
            return;
        }

        foreach (var child in operation.ChildOperations)
        {
            Visit(child, state);
        }

        switch (operation)
        {
            case IInvocationOperation invocation:
                OnInvocation(invocation, state);
                break;
            case IPropertyReferenceOperation { Instance: { } instance } property when contracts.HasAttribute(property.Property, contracts.PageDataAttribute):
                OnUse(instance, property, state, IsDataWrite(property) ? PageUse.DataWrite : PageUse.Read);
                break;
            case ILocalReferenceOperation local:
                OnReference(local, state);
                break;
            case IParameterReferenceOperation parameter:
                OnReference(parameter, state);
                break;
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                foreach (var acquisition in acquisitions)
                {
                    if (SymbolEqualityComparer.Default.Equals(acquisition.CountLocal, target.Local) &&
                        resolver.Unwrap(assignment.Value).Syntax != acquisition.Call.Syntax)
                    {
                        var mask = state.Masks[acquisition.Index];
                        if ((mask & (RefState.Held | RefState.HeldFull)) != 0)
                        {
                            state.Masks[acquisition.Index] = (mask & ~(RefState.Held | RefState.HeldFull)) | RefState.HeldStale;
                        }
                    }
                }

                break;
        }
    }

    private IEnumerable<Acquisition> Of(PageTarget? target) =>
        target is not null && byHolder.TryGetValue(target.Value.Holder, out var list) ? list : Enumerable.Empty<Acquisition>();

    private void OnInvocation(IInvocationOperation invocation, FlowState state)
    {
        if (bySyntax.TryGetValue(invocation.Syntax, out var acquired))
        {
            OnAcquire(acquired, state);
        }

        var release = contracts.GetRelease(invocation.TargetMethod);
        if (release?.Pages is not null)
        {
            OnRelease(invocation, release, state);
        }

        var method = invocation.TargetMethod.OriginalDefinition;
        var use = contracts.HasAttribute(method, contracts.DirtiesPageAttribute) ? PageUse.DirtyRaw
            : contracts.HasAttribute(method, contracts.DirtiesPageLockedAttribute) ? PageUse.DirtyLocked
            : HasContractAttribute(method, "LocksPageAttribute") ? PageUse.Lock
            : HasContractAttribute(method, "UnlocksPageAttribute") ? PageUse.Unlock
            : PageUse.Read;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is null)
            {
                continue;
            }

            if (use != PageUse.Read)
            {
                OnUse(argument.Value, invocation, state, use);
            }
            else if (RequiresPin(argument.Parameter) is bool deviceWrites)
            {
                OnUse(argument.Value, invocation, state, deviceWrites ? PageUse.DeviceWrite : PageUse.DeviceRead);
            }
        }
    }

    /// <summary>For a <c>[RequiresPin]</c> parameter, whether the device writes the pages (its DeviceWrites, true by default); else null.</summary>
    private bool? RequiresPin(IParameterSymbol parameter)
    {
        var attribute = parameter.OriginalDefinition.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, contracts.RequiresPinAttribute));
        if (attribute is null)
        {
            return null;
        }

        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "DeviceWrites" && named.Value.Value is bool writes)
            {
                return writes;
            }
        }

        return true;
    }

    /// <summary>The page-lock contracts, read by the attribute's metadata name in the contracts namespace.</summary>
    private static bool HasContractAttribute(IMethodSymbol method, string attributeName) =>
        method.GetAttributes().Any(a => a.AttributeClass is { } type && type.Name == attributeName &&
                                        type.ContainingNamespace?.ToDisplayString() == "PinApi.Contracts");

    private void OnAcquire(Acquisition acquisition, FlowState state)
    {
        var i = acquisition.Index;
        if (acquisition.IsChunk)
        {
            // Another chunk of a buffer filled piecewise: what earlier chunks hold stays held, and the buffer is
            // released as a whole (its filled prefix) later.
            state.Masks[i] = (state.Masks[i] & ~(RefState.None | RefState.Released)) | RefState.Held;
            state.Low[i] = long.MinValue;
            state.High[i] = RequestedConstant(acquisition) ?? long.MaxValue;
            state.MaybeClean[i] = true;
            state.MaybeUnlocked[i] = true;
            return;
        }

        foreach (var other in byHolder[acquisition.Holder])
        {
            var mask = state.Masks[other.Index];
            if ((mask & RefState.AnyHeld) != 0 && !other.OwnedByCaller && recording)
            {
                var path = $"to the next acquire into '{acquisition.Holder.Name}' at line {Line(acquisition.Call.Syntax)}, which overwrites them";
                AddLeak(other, acquisition.Call.Syntax.GetLocation(), state, path);
            }

            if (other != acquisition)
            {
                // The buffer now holds the new acquire's references: the old ones are gone (reported above if held).
                state.Masks[other.Index] = RefState.None;
                state.ConstReleased[other.Index] = 0;
                state.ReleaseSite[other.Index] = null;
            }
        }

        state.Masks[i] = RefState.Held;
        state.Low[i] = long.MinValue;
        state.High[i] = RequestedConstant(acquisition) ?? long.MaxValue;
        state.ConstReleased[i] = 0;
        state.Branch[i] = null;
        state.ReleaseSite[i] = null;
        state.MaybeClean[i] = true;
        state.MaybeUnlocked[i] = true;
        state.MaybeWritten[i] = false;
    }

    private void OnRelease(IInvocationOperation invocation, ReleaseContract release, FlowState state)
    {
        var pages = Argument(invocation, release.Pages!);
        var target = resolver.Resolve(pages?.Value);
        if (target is null)
        {
            return;
        }

        // When acquires of both families may reach this release (the family chosen by a condition, released under
        // the same condition), the pairing depends on branch correlation this analysis does not track: no guess.
        var matchingFamilyReaches = Of(target).Any(a => a.Kind == release.Kind && (state.Masks[a.Index] & RefState.Reachable) != 0);
        foreach (var acquisition in Of(target))
        {
            var i = acquisition.Index;
            var mask = state.Masks[i];
            if ((mask & (RefState.Reachable | RefState.Released)) == 0)
            {
                continue;
            }

            if (recording)
            {
                if (!acquisition.Releases.Any(r => r.Call.Syntax == invocation.Syntax))
                {
                    acquisition.Releases.Add((invocation, release));
                }

                if (release.Dirties is not null && Argument(invocation, release.Dirties)?.Value.ConstantValue is not { HasValue: true, Value: false })
                {
                    acquisition.Dirtyings.Add(invocation);
                }

                if (release.Kind != acquisition.Kind && (mask & RefState.Reachable) != 0 && !matchingFamilyReaches &&
                    !mismatches.Any(m => m.Acquisition == acquisition && m.Release.Syntax == invocation.Syntax))
                {
                    mismatches.Add((acquisition, invocation, release));
                }

                var twice = (mask & RefState.Released) != 0 ||
                            (target.Value is { IsElement: true, ConstIndex: int index } && index is >= 0 and < 64 && (state.ConstReleased[i] & (1UL << index)) != 0);
                if (twice)
                {
                    ReportAfterRelease(Descriptors.PIN0004_ReleasedTwice, acquisition, invocation.Syntax, invocation.TargetMethod.Name, state);
                }

                if (release.Kind == acquisition.Kind && (mask & RefState.Live) != 0)
                {
                    CheckReleaseDirtying(acquisition, invocation, release, state);
                }

                var count = release.Count is not null ? Argument(invocation, release.Count)?.Value : target.Value.SliceLength;
                if (count is not null && (mask & RefState.Held) != 0 && IsRequested(count, acquisition))
                {
                    ReportRequestedCount(acquisition, invocation.TargetMethod.Name, count);
                }
            }

            const int held = RefState.Live;
            if (!target.Value.IsElement)
            {
                state.Masks[i] = (mask & ~held) | ((mask & held) != 0 ? RefState.Released : 0);
            }
            else
            {
                if (target.Value.ConstIndex is int index && index is >= 0 and < 64)
                {
                    state.ConstReleased[i] |= 1UL << index;
                }

                state.Masks[i] = (mask & ~RefState.AnyHeld) | ((mask & RefState.AnyHeld) != 0 ? RefState.ReleasedElements : 0);
            }

            state.ReleaseSite[i] ??= invocation.Syntax;
        }
    }

    private void OnUse(IOperation value, IOperation site, FlowState state, PageUse use)
    {
        var target = resolver.Resolve(value);
        foreach (var acquisition in Of(target))
        {
            var i = acquisition.Index;
            var mask = state.Masks[i];
            if ((mask & (RefState.Reachable | RefState.Released)) == 0)
            {
                continue;
            }

            var released = (mask & RefState.Released) != 0 ||
                           (target!.Value is { IsElement: true, ConstIndex: int index } && index is >= 0 and < 64 && (state.ConstReleased[i] & (1UL << index)) != 0);
            var live = (mask & RefState.Live) != 0;
            var wasUnlocked = state.MaybeUnlocked[i];
            switch (use)
            {
                case PageUse.DirtyRaw or PageUse.DirtyLocked when live:
                    state.MaybeClean[i] = false;
                    break;
                case PageUse.DataWrite or PageUse.DeviceWrite when live:
                    state.MaybeWritten[i] = true;
                    break;
                case PageUse.Lock when live:
                    state.MaybeUnlocked[i] = false;
                    break;
                case PageUse.Unlock when live:
                    state.MaybeUnlocked[i] = true;
                    break;
            }

            if (!recording)
            {
                continue;
            }

            if (released && use is not (PageUse.Lock or PageUse.Unlock))
            {
                var what = site is IInvocationOperation call ? call.TargetMethod.Name : Short(site.Syntax);
                ReportAfterRelease(Descriptors.PIN0005_UsedAfterRelease, acquisition, site.Syntax, what, state);
            }

            // Pages handed on are still the kind they were taken as: what is done with them here still counts.
            if ((mask & RefState.Reachable) == 0)
            {
                continue;
            }

            if (use is PageUse.DirtyRaw or PageUse.DirtyLocked && site is IInvocationOperation dirtyCall)
            {
                if (!acquisition.Dirtyings.Any(d => d.Syntax == dirtyCall.Syntax))
                {
                    acquisition.Dirtyings.Add(dirtyCall);
                }

                if (use == PageUse.DirtyRaw && wasUnlocked)
                {
                    ReportRawDirty(acquisition, dirtyCall);
                }

                if (acquisition.IsWrite == false)
                {
                    ReportMissingWrite(Descriptors.PIN0103_DirtiedWithoutWrite, acquisition, dirtyCall.Syntax, dirtyCall.TargetMethod.Name);
                }
            }

            if (use is PageUse.DataWrite or PageUse.DeviceWrite && acquisition.IsWrite == false)
            {
                ReportMissingWrite(Descriptors.PIN0104_WrittenWithoutWrite, acquisition, site.Syntax, Describe(site, use));
            }

            if (use is PageUse.DataWrite or PageUse.DeviceWrite or PageUse.DeviceRead && acquisition.Kind == PageRefKind.Get)
            {
                // Reported once every release is known: the conversion it offers renames them all.
                if (!needsPin.Any(n => n.Acquisition == acquisition && n.Site.Syntax == site.Syntax))
                {
                    needsPin.Add((acquisition, site, use));
                }
            }
        }
    }

    /// <summary>True when the page data a <c>[PageData]</c> member exposes is written, not only read, by its parent.</summary>
    private static bool IsDataWrite(IOperation data)
    {
        var current = data;
        for (var depth = 0; depth < 6; depth++)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case IConversionOperation conversion:
                    // Span<byte> → ReadOnlySpan<byte>: whatever follows only reads.
                    if (conversion.Type is INamedTypeSymbol { Name: "ReadOnlySpan" })
                    {
                        return false;
                    }

                    current = parent;
                    continue;
                case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when indexer.Instance == current:
                case IImplicitIndexerReferenceOperation implicitIndexer when implicitIndexer.Instance == current:
                    current = parent;
                    continue;
                case IAssignmentOperation assignment:
                    return assignment.Target == current;
                case IIncrementOrDecrementOperation:
                    return true;
                case IInvocationOperation invocation when invocation.Instance == current:
                    // Span<T>.Fill and Clear write; Slice returns a view that the next parent uses; CopyTo reads.
                    if (PageResolver.IsBcl(invocation.TargetMethod) && PageResolver.IsSpanLike(invocation.Type))
                    {
                        current = parent;
                        continue;
                    }

                    return invocation.TargetMethod.ReturnsVoid && invocation.TargetMethod.Parameters.Length <= 1 &&
                           invocation.TargetMethod.Parameters.All(p => !PageResolver.IsSpanLike(p.Type));
                case IArgumentOperation { Parameter: { } parameter }:
                    // A writable span parameter is a destination (CopyTo(Span<T> destination), Read(Span<byte>)).
                    return parameter.RefKind is RefKind.Ref or RefKind.Out ||
                           parameter.Type is INamedTypeSymbol { Name: "Span" };
                default:
                    return false;
            }
        }

        return false;
    }

    private static string Describe(IOperation site, PageUse use) => use == PageUse.DeviceWrite && site is IInvocationOperation call
        ? $"'{call.TargetMethod.Name}' (a device that writes)"
        : $"'{Short(site.Syntax)}'";

    /// <summary>A reference to a holder that leaves this method's sight hands its pages on: nothing to report after it.</summary>
    private void OnReference(IOperation reference, FlowState state)
    {
        var target = resolver.Resolve(reference);
        if (target is null || !byHolder.ContainsKey(target.Value.Holder) || !Escapes(reference, 0))
        {
            return;
        }

        var kept = recording && IsKept(reference, 0);
        var toOwner = kept && handedToOwner;
        foreach (var acquisition in byHolder[target.Value.Holder])
        {
            var mask = state.Masks[acquisition.Index];
            if ((mask & RefState.Live) != 0)
            {
                state.Masks[acquisition.Index] = (mask & ~RefState.Live) | RefState.Escaped;
                acquisition.HandedToOwner |= toOwner;
                if (kept && acquisition.KeptAt is null)
                {
                    acquisition.KeptAt = reference.Syntax.AncestorsAndSelf().FirstOrDefault(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax) ?? reference.Syntax;
                }
            }
        }
    }

    /// <summary>
    /// True when a reference to the pages keeps them beyond the call: stored into a field, a property or another
    /// object's constructor, or handed to a <c>[TakesOwnership]</c> parameter (KERNEL.md §10 rule 15). Returning them
    /// or handing them to unknown code is a hand-off, not proof of a long-term pin.
    /// </summary>
    private bool IsKept(IOperation reference, int depth)
    {
        if (depth == 0)
        {
            handedToOwner = false;
        }

        var current = reference;
        while (depth++ < 8)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case IConversionOperation:
                case IArrayElementReferenceOperation element when element.ArrayReference == current:
                case IImplicitIndexerReferenceOperation indexer when indexer.Instance == current:
                case IPropertyReferenceOperation { Property.IsIndexer: true } property when property.Instance == current:
                    // One element handed on (PageToPfn(page[0]), dbPage = pages[0]) keeps that page.
                    current = parent;
                    continue;
                case ISimpleAssignmentOperation assignment when assignment.Value == current:
                    return assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation { Property.IsIndexer: false } ||
                           assignment.Target is IArrayElementReferenceOperation { ArrayReference: IFieldReferenceOperation or IPropertyReferenceOperation } ||
                           assignment.Target is IPropertyReferenceOperation { Property.IsIndexer: true, Instance: IFieldReferenceOperation or IPropertyReferenceOperation };
                case IArgumentOperation { Parameter: { } parameter } argument:
                    if (contracts.HasAttribute(parameter.OriginalDefinition, contracts.TakesOwnershipAttribute))
                    {
                        handedToOwner = true;
                        return true;
                    }

                    // bufs.Add(pages) into a collection held by a field or property.
                    if (argument.Parent is IInvocationOperation { Instance: IFieldReferenceOperation or IPropertyReferenceOperation } store &&
                        PageResolver.IsBcl(store.TargetMethod) && parameter.OriginalDefinition.Type is ITypeParameterSymbol)
                    {
                        return true;
                    }

                    return argument.Parent is IObjectCreationOperation { Type: { } created } &&
                           !PageResolver.IsBcl(created) &&
                           !SymbolEqualityComparer.Default.Equals(created.ContainingAssembly, contracts.LibraryAssembly);
                case IFlowCaptureOperation capture:
                    return captureReferences.TryGetValue(capture.Id, out var references) && references.Any(r => IsKept(r, depth));
                default:
                    return false;
            }
        }

        return false;
    }

    private bool Escapes(IOperation operation, int depth)
    {
        if (depth > 8)
        {
            return true;
        }

        var current = operation;
        while (true)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case null:
                    // A block's branch value: returned to the caller when the block returns.
                    return currentBlock?.BranchValue == current && currentBlock.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return;
                case IConversionOperation:
                case IArrayElementReferenceOperation element when element.ArrayReference == current:
                case IImplicitIndexerReferenceOperation indexer when indexer.Instance == current:
                    current = parent;
                    continue;
                case IArrayElementReferenceOperation:
                    return false;
                case IPropertyReferenceOperation property when property.Instance == current:
                    if (property.Property.IsIndexer || contracts.IsPageLike(property.Type))
                    {
                        current = parent;
                        continue;
                    }

                    return false;
                case IInvocationOperation invocation when invocation.Instance == current:
                    if (PageResolver.IsBcl(invocation.TargetMethod) && PageResolver.IsSpanLike(invocation.Type))
                    {
                        current = parent;
                        continue;
                    }

                    // CopyTo and friends copy the references somewhere this analysis does not follow.
                    return invocation.TargetMethod.Parameters.Any(p => PageResolver.IsSpanLike(p.Type));
                case IArgumentOperation argument:
                    return ArgumentEscapes(argument, ref current, depth);
                case ISimpleAssignmentOperation assignment:
                    if (assignment.Target == current)
                    {
                        return false;
                    }

                    return !(assignment.Target is ILocalReferenceOperation local && resolver.Aliases.ContainsKey(local.Local));
                case IFlowCaptureOperation capture:
                    return !captureReferences.TryGetValue(capture.Id, out var references) || references.Any(r => Escapes(r, depth + 1));
                case IBinaryOperation:
                case IUnaryOperation:
                case IIsPatternOperation:
                case IIsTypeOperation:
                case IInterpolationOperation:
                case IExpressionStatementOperation:
                case IIsNullOperation:
                case IFieldReferenceOperation:
                case IPropertyReferenceOperation:
                case IInvocationOperation:
                    return false;
                default:
                    return true;
            }
        }
    }

    private bool ArgumentEscapes(IArgumentOperation argument, ref IOperation current, int depth)
    {
        if (argument.Parameter is not { } parameter)
        {
            return true;
        }

        if (argument.Parent is IObjectCreationOperation creation)
        {
            return !(PageResolver.IsBcl(creation.Type) && PageResolver.IsSpanLike(creation.Type)) || Escapes(creation, depth + 1);
        }

        if (argument.Parent is not IInvocationOperation invocation)
        {
            return true;
        }

        var method = invocation.TargetMethod;
        var acquire = contracts.GetAcquire(method);
        var release = contracts.GetRelease(method);
        if ((acquire?.Pages is { } acquirePages && acquirePages.Ordinal == parameter.Ordinal) ||
            (release?.Pages is { } releasePages && releasePages.Ordinal == parameter.Ordinal))
        {
            return false;
        }

        if (contracts.HasAttribute(parameter.OriginalDefinition, contracts.TakesOwnershipAttribute) ||
            parameter.RefKind is RefKind.Ref or RefKind.Out)
        {
            return true;
        }

        // A delegate runs code this analysis cannot see: it may keep or release what it is given.
        if (method.MethodKind == MethodKind.DelegateInvoke)
        {
            return true;
        }

        if (PageResolver.IsBcl(method))
        {
            // A generic collection's Add/Push/Enqueue(T) stores what it is given.
            if (parameter.OriginalDefinition.Type is ITypeParameterSymbol)
            {
                return true;
            }

            if (PageResolver.IsSpanLike(invocation.Type) && parameter.Ordinal == 0)
            {
                return Escapes(invocation, depth + 1);
            }

            // Array.Copy, MemoryExtensions.CopyTo: a second buffer parameter receives copies of the references.
            return method.Parameters.Count(p => PageResolver.IsSpanLike(p.Type)) > 1;
        }

        // The library documents every parameter that keeps references with [TakesOwnership]; user code is unknown.
        return !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, contracts.LibraryAssembly);
    }

    /// <summary>Narrows the states along a branch on the returned count: <c>ret &lt;= 0</c> holds nothing, <c>ret == nrPages</c> holds all.</summary>
    private void Refine(IOperation condition, FlowState state, bool value)
    {
        condition = resolver.Unwrap(condition);
        if (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
        {
            Refine(not.Operand, state, !value);
            return;
        }

        foreach (var loop in elementLoops)
        {
            if (!value && loop.IsHeader(condition.Syntax))
            {
                foreach (var holder in loop.Holders)
                {
                    if (!byHolder.TryGetValue(holder, out var list))
                    {
                        continue;
                    }

                    foreach (var acquisition in list)
                    {
                        var mask = state.Masks[acquisition.Index];
                        var next = mask & ~RefState.Live;
                        if ((mask & RefState.AnyHeld) != 0)
                        {
                            next |= RefState.None;
                        }

                        if ((mask & RefState.ReleasedElements) != 0)
                        {
                            next |= RefState.Released;
                        }

                        state.Masks[acquisition.Index] = next;
                    }
                }
            }
        }

        if (condition is not IBinaryOperation binary)
        {
            return;
        }

        foreach (var acquisition in acquisitions)
        {
            var op = binary.OperatorKind;
            IOperation other;
            if (IsCount(binary.LeftOperand, acquisition))
            {
                other = binary.RightOperand;
            }
            else if (IsCount(binary.RightOperand, acquisition))
            {
                other = binary.LeftOperand;
                op = Mirror(op);
            }
            else
            {
                continue;
            }

            if (!value)
            {
                op = Negate(op);
            }

            var constant = resolver.Unwrap(other).ConstantValue is { HasValue: true, Value: not null } c && IsInteger(c.Value) ? System.Convert.ToInt64(c.Value, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
            var i = acquisition.Index;
            var mask = state.Masks[i];
            if (constant is long k)
            {
                Narrow(state, i, op, k);
            }
            else if (IsRequested(other, acquisition) && op is BinaryOperatorKind.Equals or BinaryOperatorKind.GreaterThanOrEqual && (mask & RefState.Held) != 0)
            {
                mask = (mask & ~RefState.Held) | RefState.HeldFull;
            }

            var requestedConstant = RequestedConstant(acquisition);
            if (state.Low[i] > state.High[i] || state.High[i] <= 0)
            {
                // Nothing was taken on this path (or the path cannot happen while the pages are held).
                if ((mask & (RefState.Held | RefState.HeldFull)) != 0)
                {
                    mask = (mask & ~(RefState.Held | RefState.HeldFull)) | RefState.None;
                }
            }
            else if (requestedConstant is long wanted && state.Low[i] >= wanted && (mask & RefState.Held) != 0)
            {
                mask = (mask & ~RefState.Held) | RefState.HeldFull;
            }

            state.Masks[i] = mask;
        }
    }

    /// <summary>Intersects the count's bounds with <c>count op k</c>.</summary>
    private static void Narrow(FlowState state, int i, BinaryOperatorKind op, long k)
    {
        if (state.Low[i] > state.High[i])
        {
            return;
        }

        switch (op)
        {
            case BinaryOperatorKind.LessThan:
                state.High[i] = System.Math.Min(state.High[i], k == long.MinValue ? k : k - 1);
                break;
            case BinaryOperatorKind.LessThanOrEqual:
                state.High[i] = System.Math.Min(state.High[i], k);
                break;
            case BinaryOperatorKind.GreaterThan:
                state.Low[i] = System.Math.Max(state.Low[i], k == long.MaxValue ? k : k + 1);
                break;
            case BinaryOperatorKind.GreaterThanOrEqual:
                state.Low[i] = System.Math.Max(state.Low[i], k);
                break;
            case BinaryOperatorKind.Equals:
                state.Low[i] = System.Math.Max(state.Low[i], k);
                state.High[i] = System.Math.Min(state.High[i], k);
                break;
            case BinaryOperatorKind.NotEquals:
                if (state.Low[i] == k && k != long.MaxValue)
                {
                    state.Low[i] = k + 1;
                }

                if (state.High[i] == k && k != long.MinValue)
                {
                    state.High[i] = k - 1;
                }

                break;
        }
    }

    private long? RequestedConstant(Acquisition acquisition) =>
        acquisition.RequestedCount is not null && resolver.Unwrap(acquisition.RequestedCount).ConstantValue is { HasValue: true, Value: not null } value && IsInteger(value.Value)
            ? System.Convert.ToInt64(value.Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private void CheckLoopBound(BasicBlock block, FlowState state)
    {
        if (!recording || block.BranchValue is null)
        {
            return;
        }

        foreach (var loop in elementLoops)
        {
            if (loop.Bound is null || !loop.IsHeader(block.BranchValue.Syntax))
            {
                continue;
            }

            foreach (var holder in loop.Holders)
            {
                if (!byHolder.TryGetValue(holder, out var list))
                {
                    continue;
                }

                foreach (var acquisition in list)
                {
                    if ((state.Masks[acquisition.Index] & RefState.Held) != 0 && IsRequested(loop.Bound, acquisition))
                    {
                        ReportRequestedCount(acquisition, loop.Release, loop.Bound);
                    }
                }
            }
        }
    }

    private bool IsCount(IOperation operation, Acquisition acquisition)
    {
        var unwrapped = resolver.Unwrap(operation);
        return unwrapped.Syntax == acquisition.Call.Syntax ||
               (acquisition.CountLocal is not null && unwrapped is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, acquisition.CountLocal));
    }

    private bool IsRequested(IOperation operation, Acquisition acquisition)
    {
        if (acquisition.RequestedCount is null)
        {
            return false;
        }

        var left = resolver.Unwrap(operation);
        var right = resolver.Unwrap(acquisition.RequestedCount);
        if (left.ConstantValue is { HasValue: true, Value: not null } a && right.ConstantValue is { HasValue: true, Value: not null } b)
        {
            return IsInteger(a.Value) && IsInteger(b.Value) &&
                   System.Convert.ToInt64(a.Value, System.Globalization.CultureInfo.InvariantCulture) == System.Convert.ToInt64(b.Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return SymbolEqualityComparer.Default.Equals(Referenced(left), Referenced(right)) && Referenced(left) is not null;
    }

    private static ISymbol? Referenced(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation { Property.IsIndexer: false } property => property.Property,
        _ => null,
    };

    private static bool IsInteger(object value) => value is int or long or short or uint or ulong or ushort or byte or sbyte;

    private static BinaryOperatorKind Mirror(BinaryOperatorKind op) => op switch
    {
        BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
        BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
        BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
        BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
        _ => op,
    };

    private static BinaryOperatorKind Negate(BinaryOperatorKind op) => op switch
    {
        BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThanOrEqual,
        BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThan,
        BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThanOrEqual,
        BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThan,
        BinaryOperatorKind.Equals => BinaryOperatorKind.NotEquals,
        BinaryOperatorKind.NotEquals => BinaryOperatorKind.Equals,
        _ => BinaryOperatorKind.None,
    };
}
