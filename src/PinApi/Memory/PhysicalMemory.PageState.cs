namespace PinApi;

/// <summary>The page lock, dirtying and the maybe-pinned test, on frame numbers.</summary>
public sealed partial class PhysicalMemory
{
    /// <summary><c>folio_lock</c>: sleeps (spins, then yields) until PG_locked is ours.</summary>
    internal void LockPage(long pfn)
    {
        var head = HeadOf(pfn);
        var spin = default(SpinWait);
        while (!SetFlag(head, PageFlags.Locked))
        {
            spin.SpinOnce();
        }
    }

    internal void UnlockPage(long pfn)
    {
        if (!ClearFlag(HeadOf(pfn), PageFlags.Locked))
        {
            throw new InvalidOperationException($"unlock_page on {new Page(this, pfn)}, which is not locked.");
        }
    }

    /// <summary>
    /// <c>folio_maybe_dma_pinned()</c>: exact for large folios (their pincount), fuzzy for small ones (refcount at or
    /// above the bias, read unsigned so that an overflowed count reads as pinned), KERNEL.md §5.3.
    /// </summary>
    internal bool MaybeDmaPinned(long pfn)
    {
        var head = HeadOf(pfn);
        return IsLarge(head)
            ? Volatile.Read(ref PinCountOf(head)) > 0
            : (uint)Volatile.Read(ref Frames.RefCount(head)) >= GupPinCountingBias;
    }

    /// <summary><c>folio_mark_dirty</c>; true when the folio was clean before.</summary>
    internal bool MarkDirty(long pfn)
    {
        var head = HeadOf(pfn);
        if (IsZeroPfn(head) || !SetFlag(head, PageFlags.Dirty))
        {
            return false;
        }

        VmStat.Increment(VmStatItem.NrDirtied);
        return true;
    }

    internal void FreeDeviceFrame(long pfn)
    {
        Volatile.Write(ref Frames.RefCount(pfn), 0);
        Volatile.Write(ref Frames.Flags(pfn), (uint)PageFlags.Buddy);
        zones[(int)Zone.Device].Free(pfn, 0);
    }
}
