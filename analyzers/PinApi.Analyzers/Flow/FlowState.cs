using System;
using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// The abstract state at one program point: per acquisition, the <see cref="RefState"/> bits, the constant element
/// indices already released, and witnesses for the diagnostics (the last branch taken while the pages were held, the
/// first release seen).
/// </summary>
internal sealed class FlowState
{
    private FlowState(int count)
    {
        Masks = new int[count];
        ConstReleased = new ulong[count];
        Branch = new SyntaxNode?[count];
        BranchValue = new bool[count];
        ReleaseSite = new SyntaxNode?[count];
        Low = new long[count];
        High = new long[count];
        MaybeClean = new bool[count];
        MaybeUnlocked = new bool[count];
        MaybeWritten = new bool[count];
    }

    /// <summary>On some path to here the pages were written (page data, a device that writes) since the acquire.</summary>
    public bool[] MaybeWritten { get; }

    /// <summary>On some path to here the pages were not dirtied since the acquire (PIN0101 at a plain release).</summary>
    public bool[] MaybeClean { get; }

    /// <summary>On some path to here the page lock is not held (PIN0102 at a raw SetPageDirty).</summary>
    public bool[] MaybeUnlocked { get; }

    /// <summary>
    /// Bounds on the acquire's returned count along this path (empty when low &gt; high): branches on the count narrow
    /// them, so <c>ret != 2</c> followed by <c>ret == 1</c> being false is known to hold nothing.
    /// </summary>
    public long[] Low { get; }

    public long[] High { get; }

    public int[] Masks { get; }

    public ulong[] ConstReleased { get; }

    public SyntaxNode?[] Branch { get; }

    public bool[] BranchValue { get; }

    public SyntaxNode?[] ReleaseSite { get; }

    public static FlowState Initial(int count)
    {
        var state = new FlowState(count);
        for (var i = 0; i < count; i++)
        {
            state.Masks[i] = RefState.None;
            state.Low[i] = 1;
            state.High[i] = 0;
            state.MaybeClean[i] = true;
            state.MaybeUnlocked[i] = true;
        }

        return state;
    }

    public FlowState Clone()
    {
        var copy = new FlowState(Masks.Length);
        Array.Copy(Masks, copy.Masks, Masks.Length);
        Array.Copy(ConstReleased, copy.ConstReleased, Masks.Length);
        Array.Copy(Branch, copy.Branch, Masks.Length);
        Array.Copy(BranchValue, copy.BranchValue, Masks.Length);
        Array.Copy(ReleaseSite, copy.ReleaseSite, Masks.Length);
        Array.Copy(Low, copy.Low, Masks.Length);
        Array.Copy(High, copy.High, Masks.Length);
        Array.Copy(MaybeClean, copy.MaybeClean, Masks.Length);
        Array.Copy(MaybeUnlocked, copy.MaybeUnlocked, Masks.Length);
        Array.Copy(MaybeWritten, copy.MaybeWritten, Masks.Length);
        return copy;
    }

    /// <summary>Joins another path's state into this one; true when anything changed.</summary>
    public bool MergeFrom(FlowState other)
    {
        var changed = false;
        for (var i = 0; i < Masks.Length; i++)
        {
            var mask = Masks[i] | other.Masks[i];
            if (mask != Masks[i])
            {
                Masks[i] = mask;
                changed = true;
            }

            // Like the masks, "released on some path": a later release of the same index is a double release there.
            var released = ConstReleased[i] | other.ConstReleased[i];
            if (released != ConstReleased[i])
            {
                ConstReleased[i] = released;
                changed = true;
            }

            if (Branch[i] is null && other.Branch[i] is not null)
            {
                Branch[i] = other.Branch[i];
                BranchValue[i] = other.BranchValue[i];
                changed = true;
            }

            if (other.Low[i] <= other.High[i])
            {
                var low = Low[i] <= High[i] ? System.Math.Min(Low[i], other.Low[i]) : other.Low[i];
                var high = Low[i] <= High[i] ? System.Math.Max(High[i], other.High[i]) : other.High[i];
                if (low != Low[i] || high != High[i])
                {
                    Low[i] = low;
                    High[i] = high;
                    changed = true;
                }
            }

            if (!MaybeClean[i] && other.MaybeClean[i])
            {
                MaybeClean[i] = true;
                changed = true;
            }

            if (!MaybeWritten[i] && other.MaybeWritten[i])
            {
                MaybeWritten[i] = true;
                changed = true;
            }

            if (!MaybeUnlocked[i] && other.MaybeUnlocked[i])
            {
                MaybeUnlocked[i] = true;
                changed = true;
            }

            if (ReleaseSite[i] is null && other.ReleaseSite[i] is not null)
            {
                ReleaseSite[i] = other.ReleaseSite[i];
                changed = true;
            }
        }

        return changed;
    }
}
