using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PinApi;

/// <summary>Allocation, freeing and reference counting of folios (a small page, or a compound head and its tails).</summary>
public sealed partial class PhysicalMemory
{
    /// <summary>Where a new folio may come from.</summary>
    internal enum AllocationPolicy
    {
        /// <summary>GFP_HIGHUSER_MOVABLE: user pages; Movable first, then CMA, then Normal.</summary>
        UserMovable,
        /// <summary>Unmovable (memalloc_pin_save scope, kernel allocations): Normal only.</summary>
        Unmovable,
        /// <summary>ZONE_DEVICE memory (pmem behind fs-DAX, device BARs).</summary>
        Device,
    }

    private static readonly Zone[] UserMovableOrder = [Zone.Movable, Zone.Cma, Zone.Normal];
    private static readonly Zone[] UnmovableOrder = [Zone.Normal];
    private static readonly Zone[] DeviceOrder = [Zone.Device];

    /// <summary>
    /// Allocates a folio of the given order with refcount 1 and zeroed contents; false when no zone allowed by the
    /// policy has room.
    /// </summary>
    internal bool TryAllocateFolio(AllocationPolicy policy, int order, PageFlags extra, out long head)
    {
        ThrowIfDisposed();
        var preference = policy switch
        {
            AllocationPolicy.UserMovable => UserMovableOrder,
            AllocationPolicy.Unmovable => UnmovableOrder,
            _ => DeviceOrder,
        };
        foreach (var zone in preference)
        {
            if (zones[(int)zone].TryAllocate(order, out head))
            {
                if (order == 0)
                {
                    Frames.Flags(head) = (uint)(extra | PageFlags.Uptodate);
                    Frames.Mapping(head) = 0;
                    Frames.Index(head) = 0;
                    DataStore.Clear(head);
                }
                else
                {
                    InitializeCompound(head, extra | PageFlags.Thp);
                }

                Volatile.Write(ref Frames.RefCount(head), 1);
                return true;
            }
        }

        head = 0;
        return false;
    }

    /// <summary>Takes a 2 MiB page from the hugetlb pool with refcount 1 and zeroed contents.</summary>
    internal bool TryAllocateHugetlb(out long head)
    {
        ThrowIfDisposed();
        if (!hugetlb.TryAllocate(out head))
        {
            return false;
        }

        InitializeCompound(head, PageFlags.Hugetlb);
        Volatile.Write(ref Frames.RefCount(head), 1);
        return true;
    }

    /// <summary><c>compound_head()</c>: every compound page here is of order 9 and naturally aligned.</summary>
    internal long HeadOf(long pfn) =>
        (Frames.Flags(pfn) & (uint)PageFlags.Tail) != 0 ? pfn & ~(long)(HugePageFrames - 1) : pfn;

    internal int OrderOf(long head) => (int)((Frames.Flags(head) & (uint)PageFlags.OrderMask) >> (int)PageFlags.OrderShift);

    internal bool IsLarge(long head) => (Frames.Flags(head) & (uint)PageFlags.Head) != 0;

    internal bool IsZeroPfn(long pfn) => pfn == ZeroPfn;

    internal bool TestFlag(long pfn, PageFlags flag) => (Volatile.Read(ref Frames.Flags(pfn)) & (uint)flag) != 0;

    /// <summary>Sets a flag; returns true when it was clear before.</summary>
    internal bool SetFlag(long pfn, PageFlags flag) => (Interlocked.Or(ref Frames.Flags(pfn), (uint)flag) & (uint)flag) == 0;

    /// <summary>Clears a flag; returns true when it was set before.</summary>
    internal bool ClearFlag(long pfn, PageFlags flag) => (Interlocked.And(ref Frames.Flags(pfn), ~(uint)flag) & (uint)flag) != 0;

    /// <summary>The compound pincount of a large folio, kept where the kernel keeps it: in page[1].</summary>
    internal ref int PinCountOf(long head) => ref Frames.Index(head + 1);

    /// <summary><c>folio_get</c> for a reference whose holder already keeps the folio alive (a PTE being copied).</summary>
    internal void GetFolio(long head) => Interlocked.Increment(ref Frames.RefCount(head));

    /// <summary>
    /// <c>folio_try_get</c> / <c>try_grab_folio</c>: adds to the refcount unless the folio is free or frozen (0) or
    /// the addition would overflow, which GUP turns into -ENOMEM (KERNEL.md §5.4).
    /// </summary>
    internal bool TryAddRef(long head, int add)
    {
        ref var count = ref Frames.RefCount(head);
        var old = Volatile.Read(ref count);
        while (true)
        {
            if (old <= 0 || old > int.MaxValue - add)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref count, old + add, old);
            if (seen == old)
            {
                return true;
            }

            old = seen;
        }
    }

    /// <summary>
    /// Drops references, freeing the folio when the count reaches zero. A drop below zero changes nothing and
    /// throws: the caller released a reference the page does not hold.
    /// </summary>
    internal void PutRef(long head, int sub, Page page, string operation)
    {
        ref var count = ref Frames.RefCount(head);
        var old = Volatile.Read(ref count);
        while (true)
        {
            if (old < sub)
            {
                ThrowRefBelowZero(old, sub, page, operation);
            }

            var seen = Interlocked.CompareExchange(ref count, old - sub, old);
            if (seen == old)
            {
                break;
            }

            old = seen;
        }

        if (old == sub)
        {
            FreeFolio(head);
        }
    }

    /// <summary>A release of references the folio does not hold: nothing changed; say so, naming where the page was last released.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ThrowRefBelowZero(int old, int sub, Page page, string operation) =>
        throw new PinStateException($"{operation} would drop the refcount below zero (refcount {old}, dropping {sub}): the page does not hold this reference", page, PinTracker.LastReleaseSite(page.Pfn));

    /// <summary>
    /// <c>page_ref_freeze</c>: sets the refcount from exactly <paramref name="expected"/> to 0 so that no new
    /// reference can be taken (migration); false when someone else holds a reference.
    /// </summary>
    internal bool FreezeRefs(long head, int expected) =>
        Interlocked.CompareExchange(ref Frames.RefCount(head), 0, expected) == expected;

    /// <summary>Returns a folio whose last reference is gone to its zone or to the hugetlb pool.</summary>
    internal void FreeFolio(long head)
    {
        if (head == ZeroPfn || TestFlag(head, PageFlags.Reserved))
        {
            return;
        }

        var flags = (PageFlags)Volatile.Read(ref Frames.Flags(head));
        Frames.Mapping(head) = 0;
        Frames.Index(head) = 0;
        if ((flags & PageFlags.Hugetlb) != 0)
        {
            InitializeCompound(head, PageFlags.Hugetlb);
            hugetlb.Release(head);
            return;
        }

        var order = OrderOf(head);
        if (order > 0)
        {
            for (var i = 1; i < HugePageFrames; i++)
            {
                Frames.Flags(head + i) = 0;
                Frames.Index(head + i) = 0;
            }
        }

        Volatile.Write(ref Frames.Flags(head), (uint)PageFlags.Buddy);
        zones[(int)ZoneOf(head)].Free(head, order);
    }

    private void InitializeCompound(long head, PageFlags extra)
    {
        Frames.Flags(head) = (uint)(extra | PageFlags.Head | PageFlags.Uptodate) | ((uint)HugePageOrder << (int)PageFlags.OrderShift);
        Frames.Mapping(head) = 0;
        Frames.Index(head) = 0;
        DataStore.Clear(head);
        for (var i = 1; i < HugePageFrames; i++)
        {
            Frames.Flags(head + i) = (uint)(PageFlags.Tail | (extra & PageFlags.Hugetlb));
            Frames.RefCount(head + i) = 0;
            Frames.Index(head + i) = 0;
            Frames.Mapping(head + i) = 0;
            DataStore.Clear(head + i);
        }
    }
}
