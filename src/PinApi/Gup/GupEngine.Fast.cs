using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PinApi;

/// <summary>
/// The lockless walk of <c>gup_fast_fallback()</c>: VMA by VMA, 2 MiB block by block. A huge PMD leaf is taken
/// whole (<c>gup_fast_pmd_leaf</c>: one grab on the head for every page wanted from it, one recheck of the PMD,
/// then <c>record_subpages</c>); a block of PTEs is walked in one tight loop (<c>gup_fast_pte_range</c>) in which a
/// small page costs a PTE read, a read of its frame flags, the grab (a compare-and-swap on its refcount, refused on
/// a free, frozen or overflowing count) and the recheck of the PTE. Anything unusual (compound, poisoned, a
/// long-term pin that must check the zone) leaves the tight loop for <see cref="FastSpecialPage"/>.
/// </summary>
internal static partial class GupEngine
{
    /// <summary>Frame flags that take a page out of the small-page loop.</summary>
    private const uint SpecialFrameFlags = (uint)(PageFlags.Head | PageFlags.Tail | PageFlags.HwPoison);

    /// <summary>
    /// <c>gup_fast_fallback()</c>: a lockless walk over present entries; each grab is confirmed by re-reading the
    /// entry. Pages it cannot take here go to the slow path, unless FOLL_FAST_ONLY. <paramref name="zeroPages"/>
    /// counts the entries that are the zero page (pretend pins, not counted in vmstat).
    /// </summary>
    private static long AcquireFast(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages, bool fastOnly, out long zeroPages)
    {
        var memory = mm.Memory;
        var longterm = (flags & GupFlags.Longterm) != 0;
        long taken = 0;
        zeroPages = 0;
        while (taken < nrPages)
        {
            var address = start + ((ulong)taken << PhysicalMemory.PageShift);
            var vma = mm.FindVmaUnlocked(address);
            if (vma is null || (vma.Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0 || (longterm && !FastPinAllowed(vma, flags)))
            {
                break;
            }

            var limit = (int)Math.Min((ulong)(nrPages - taken), (vma.End - address) >> PhysicalMemory.PageShift);
            var done = FastWalkVma(memory, vma, address, limit, flags, pages.Slice((int)taken, limit), ref zeroPages);
            taken += done;
            if (done < limit)
            {
                break;
            }
        }

        if (taken == nrPages || fastOnly)
        {
            return taken;
        }

        var restStart = start + ((ulong)taken << PhysicalMemory.PageShift);
        var rest = AcquireSlow(mm, restStart, nrPages - taken, (flags & ~GupFlags.FastOnly) | GupFlags.Touch | GupFlags.Unlockable, pages[(int)taken..], hasPages: true, takeLock: true);
        if (rest > 0)
        {
            zeroPages += CountZeroPages(memory, pages.Slice((int)taken, (int)rest));
        }

        // "The caller has to unpin the pages we already pinned so returning -errno is not an option" (KERNEL.md §2.3).
        return rest < 0 ? (taken > 0 ? taken : rest) : taken + rest;
    }

    /// <summary>Takes up to <paramref name="limit"/> pages from <paramref name="address"/> on, all inside <paramref name="vma"/>; returns how many.</summary>
    private static int FastWalkVma(PhysicalMemory memory, Vma vma, ulong address, int limit, GupFlags flags, Span<Page> output, ref long zeroPages)
    {
        var pmds = vma.Pmds;
        var ptes = vma.Ptes;
        var done = 0;
        while (done < limit)
        {
            var at = address + ((ulong)done << PhysicalMemory.PageShift);
            var subpage = (int)((at >> PhysicalMemory.PageShift) & (PhysicalMemory.HugePageFrames - 1));
            var inBlock = Math.Min(limit - done, PhysicalMemory.HugePageFrames - subpage);
            var pmdIndex = vma.PmdIndex(at);
            var pmd = Volatile.Read(ref pmds[pmdIndex]);
            int got;
            if (Pte.IsHuge(pmd))
            {
                got = FastHugePmd(memory, ref pmds[pmdIndex], pmd, subpage, inBlock, flags, output.Slice(done, inBlock));
            }
            else
            {
                var first = (int)((at - vma.Start) >> PhysicalMemory.PageShift);
                if ((uint)first > (uint)ptes.Length || inBlock > ptes.Length - first)
                {
                    // A VMA whose page tables were emptied by a concurrent split: nothing to take here.
                    break;
                }

                got = FastPteRange(memory, ptes, first, inBlock, flags, output.Slice(done, inBlock), ref zeroPages);
            }

            done += got;
            if (got < inBlock)
            {
                break;
            }
        }

        return done;
    }

    /// <summary>
    /// <c>gup_fast_pmd_leaf()</c>: <paramref name="count"/> subpages of the huge page a PMD leaf maps, from
    /// <paramref name="subpage"/>, with one grab on the compound head (pincount exact) and one recheck of the PMD.
    /// Returns <paramref name="count"/>, or 0 to leave the rest to the slow path.
    /// </summary>
    private static int FastHugePmd(PhysicalMemory memory, ref long slot, long pmd, int subpage, int count, GupFlags flags, Span<Page> output)
    {
        if (!FastFollows(pmd, (flags & GupFlags.Write) != 0))
        {
            return 0;
        }

        var head = Pte.PfnOf(pmd);

        // A poisoned subpage is looked at page by page in the slow path; so is a long-term pin of a page that must
        // first migrate (try_grab_folio_fast refuses it).
        if (memory.TestFlag(head, PageFlags.HasHwPoisoned) ||
            ((flags & GupFlags.Longterm) != 0 && !LongtermMigration.IsPinnable(memory, head)))
        {
            return 0;
        }

        if (!TryGrabFolio(memory, head, count, flags))
        {
            return 0;
        }

        if (Volatile.Read(ref slot) != pmd)
        {
            // The PMD changed under us (unmap, split, migration): give the references back; the slow path decides.
            UngrabFolio(memory, head, count, flags, new Page(memory, head + subpage));
            return 0;
        }

        FillRun(output[..count], Page.Pack(memory.Id, head + subpage));
        return count;
    }

    /// <summary>
    /// <c>gup_fast_pte_range()</c> over <paramref name="count"/> PTEs from <paramref name="first"/>. Returns how many
    /// pages it took; it stops at the first PTE it cannot follow or page it cannot grab.
    /// </summary>
    private static unsafe int FastPteRange(PhysicalMemory memory, long[] ptes, int first, int count, GupFlags flags, Span<Page> output, ref long zeroPages)
    {
        var frames = memory.Frames;
        var write = (flags & GupFlags.Write) != 0;
        var pin = (flags & GupFlags.Pin) != 0;

        // The bounds were checked by the caller (first + count <= ptes.Length, output.Length == count).
        ref var pte0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ptes), first);
        ref var out0 = ref Unsafe.As<Page, ulong>(ref MemoryMarshal.GetReference(output));
        var i = 0;
        while (i < count)
        {
            if ((flags & GupFlags.Longterm) == 0)
            {
                i += SmallPageRun(
                    frames.RefCounts,
                    frames.FlagWords,
                    ref Unsafe.Add(ref pte0, i),
                    ref Unsafe.Add(ref out0, i),
                    count - i,
                    Pte.Present | Pte.Special | (write ? Pte.Write : 0),
                    Pte.Present | (write ? Pte.Write : 0),
                    pin ? PhysicalMemory.GupPinCountingBias : 1,
                    pin ? 0 : -1,
                    Page.Pack(memory.Id, 0),
                    out var unconfirmed);
                if (unconfirmed >= 0)
                {
                    // The PTE changed under us (unmap, migration, COW): give the reference back and leave the rest
                    // to the slow path.
                    UngrabFolio(memory, unconfirmed, 1, flags, new Page(memory, unconfirmed));
                    break;
                }

                if (i == count)
                {
                    break;
                }
            }

            // The loop stopped at a PTE it leaves to the careful path: not followable, or not a plain small page.
            var pte = Volatile.Read(ref Unsafe.Add(ref pte0, i));
            if (!FastFollows(pte, write))
            {
                break;
            }

            var run = FastSpecialPage(memory, ptes, first + i, pte, count - i, flags, output[i..], ref zeroPages);
            if (run == 0)
            {
                break;
            }

            i += run;
        }

        GC.KeepAlive(frames);
        return i;
    }

    /// <summary>
    /// The hot loop of the fast walk: plain small pages (no compound, no poison, not the zero page under FOLL_PIN),
    /// one PTE read, one frame-flags read, one grab (compare-and-swap, refused on a free, frozen or overflowing
    /// count), one recheck of the PTE and one store into the pages array each. Returns the pages taken; it stops at
    /// the first PTE that fails <paramref name="checkMask"/>/<paramref name="wanted"/> (not present, special or
    /// read-only for FOLL_WRITE), needs the careful path, or whose grab fails, with nothing held for it; or at one
    /// whose recheck failed, still holding its grab, whose frame it returns in <paramref name="unconfirmed"/> (else -1).
    /// </summary>
    private static unsafe int SmallPageRun(int* refCounts, uint* flagWords, ref long ptes, ref ulong output, int count, long checkMask, long wanted, int add, long pinnedZeroPfn, ulong machine, out long unconfirmed)
    {
        unconfirmed = -1;
        var i = 0;
        for (; i < count; i++)
        {
            ref var slot = ref Unsafe.Add(ref ptes, i);
            var pte = Volatile.Read(ref slot);
            if ((pte & checkMask) != wanted)
            {
                break;
            }

            var pfn = Pte.PfnOf(pte);
            if ((flagWords[pfn] & SpecialFrameFlags) != 0 || pfn == pinnedZeroPfn || !TryAddRef(ref refCounts[pfn], add))
            {
                break;
            }

            if (Volatile.Read(ref slot) != pte)
            {
                unconfirmed = pfn;
                break;
            }

            Unsafe.Add(ref output, i) = machine | (ulong)pfn;
        }

        return i;
    }

    /// <summary>
    /// One PTE of the fast walk that is not a plain small page: poisoned (fall back), a long-term pin (check the
    /// zone), or a subpage of a PTE-mapped compound page (<c>record_subpages</c>: the following PTEs that map its
    /// next subpages come with it, in one grab on the head). Returns the pages taken, 0 to stop.
    /// </summary>
    private static int FastSpecialPage(PhysicalMemory memory, long[] ptes, int slot, long pte, int limit, GupFlags flags, Span<Page> output, ref long zeroPages)
    {
        var write = (flags & GupFlags.Write) != 0;
        var pfn = Pte.PfnOf(pte);
        if (memory.TestFlag(pfn, PageFlags.HwPoison))
        {
            return 0;
        }

        var head = memory.HeadOf(pfn);
        if ((flags & GupFlags.Longterm) != 0 && !LongtermMigration.IsPinnable(memory, head))
        {
            return 0;
        }

        var run = 1;
        if (memory.IsLarge(head) && !memory.TestFlag(head, PageFlags.HasHwPoisoned))
        {
            run = SubpageRun(ptes, slot, pfn, head, limit, write);
        }

        if (!TryGrabFolio(memory, head, run, flags))
        {
            return 0;
        }

        if (!StillMapped(ptes, slot, pfn, run, write))
        {
            UngrabFolio(memory, head, run, flags, new Page(memory, pfn));
            return 0;
        }

        if ((flags & GupFlags.Pin) != 0 && memory.IsZeroPfn(head))
        {
            zeroPages++;
        }

        FillRun(output[..run], Page.Pack(memory.Id, pfn));
        return run;
    }

    /// <summary><c>try_get_folio</c>'s add: refused on a free or frozen (0) count and on overflow (KERNEL.md §5.4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAddRef(ref int count, int add)
    {
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

    /// <summary><c>record_subpages()</c>: the entries of <paramref name="output"/> get consecutive frames from <paramref name="first"/> (a packed page).</summary>
    internal static void FillRun(Span<Page> output, ulong first)
    {
        ref var destination = ref Unsafe.As<Page, ulong>(ref MemoryMarshal.GetReference(output));
        var n = output.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 4 * Vector256<ulong>.Count)
        {
            // Scalar stores up to a 32-byte boundary, so that no vector store straddles two cache lines.
            for (; i < n && !IsVectorAligned(ref Unsafe.Add(ref destination, i)); i++)
            {
                Unsafe.Add(ref destination, i) = first + (ulong)i;
            }

            var start = first + (ulong)i;
            // Four independent vectors per step, so the stores do not wait on one another's adds.
            const int Width = 4 * 4;
            var step = Vector256.Create((ulong)Width);
            var a = Vector256.Create(start) + Vector256.Create(0UL, 1UL, 2UL, 3UL);
            var b = a + Vector256.Create(4UL);
            var c = a + Vector256.Create(8UL);
            var d = a + Vector256.Create(12UL);
            for (; i <= n - Width; i += Width)
            {
                a.StoreUnsafe(ref destination, (nuint)i);
                b.StoreUnsafe(ref destination, (nuint)(i + 4));
                c.StoreUnsafe(ref destination, (nuint)(i + 8));
                d.StoreUnsafe(ref destination, (nuint)(i + 12));
                a += step;
                b += step;
                c += step;
                d += step;
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref destination, i) = first + (ulong)i;
        }
    }

    private static unsafe bool IsVectorAligned(ref ulong slot) => ((nuint)Unsafe.AsPointer(ref slot) & (nuint)(Vector256<byte>.Count - 1)) == 0;

    private static bool FastFollows(long pte, bool write) =>
        Pte.IsPresent(pte) && !Pte.IsSpecial(pte) && (!write || Pte.IsWritable(pte));

    /// <summary>How many PTEs from <paramref name="slot"/> map consecutive subpages of one folio (at most <paramref name="limit"/>).</summary>
    private static int SubpageRun(long[] ptes, int slot, long pfn, long head, int limit, bool write)
    {
        var last = head + PhysicalMemory.HugePageFrames - 1;
        var run = 1;
        while (run < limit && pfn + run <= last)
        {
            var pte = Volatile.Read(ref ptes[slot + run]);
            if (!FastFollows(pte, write) || Pte.PfnOf(pte) != pfn + run)
            {
                break;
            }

            run++;
        }

        return run;
    }

    /// <summary>The re-check after a grab: every PTE of the run still maps what was grabbed.</summary>
    private static bool StillMapped(long[] ptes, int slot, long pfn, int run, bool write)
    {
        for (var k = 0; k < run; k++)
        {
            var pte = Volatile.Read(ref ptes[slot + k]);
            if (!FastFollows(pte, write) || Pte.PfnOf(pte) != pfn + k)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The number of consecutive entries from <paramref name="start"/> that lie in the same aligned 2 MiB block of
    /// the same machine as <paramref name="packed"/>: for a compound page, the run <c>unpin_user_pages()</c> batches.
    /// </summary>
    internal static int BlockRunLength(ReadOnlySpan<Page> pages, int start, ulong packed)
    {
        ref var entries = ref Unsafe.As<Page, ulong>(ref MemoryMarshal.GetReference(pages));
        var key = Page.BlockKey(packed);
        var n = pages.Length;
        var end = start + 1;
        if (Vector256.IsHardwareAccelerated)
        {
            // Scalar compares up to a 32-byte boundary, so that no vector load straddles two cache lines.
            for (; end < n && !IsVectorAligned(ref Unsafe.Add(ref entries, end)); end++)
            {
                if (Page.BlockKey(Unsafe.Add(ref entries, end)) != key)
                {
                    return end - start;
                }
            }

            // Sixteen entries per step while they all match: an entry is in the block when it differs from the
            // block's first frame only in its low 9 bits, so one shift of the four differences OR-ed tests them all.
            // Then four at a time to find where the run ends.
            var blockStart = Vector256.Create(key << PhysicalMemory.HugePageOrder);
            const int Width = 4 * 4;
            while (end <= n - Width)
            {
                var differences = (Vector256.LoadUnsafe(ref entries, (nuint)end) ^ blockStart) |
                    (Vector256.LoadUnsafe(ref entries, (nuint)(end + 4)) ^ blockStart) |
                    (Vector256.LoadUnsafe(ref entries, (nuint)(end + 8)) ^ blockStart) |
                    (Vector256.LoadUnsafe(ref entries, (nuint)(end + 12)) ^ blockStart);
                if ((differences >>> PhysicalMemory.HugePageOrder) != Vector256<ulong>.Zero)
                {
                    break;
                }

                end += Width;
            }

            var keys = Vector256.Create(key);
            while (end <= n - Vector256<ulong>.Count)
            {
                var mask = Vector256.Equals(Vector256.LoadUnsafe(ref entries, (nuint)end) >>> PhysicalMemory.HugePageOrder, keys).ExtractMostSignificantBits();
                if (mask != (1u << Vector256<ulong>.Count) - 1)
                {
                    return end + BitOperations.TrailingZeroCount(~mask) - start;
                }

                end += Vector256<ulong>.Count;
            }
        }

        while (end < n && Page.BlockKey(Unsafe.Add(ref entries, end)) == key)
        {
            end++;
        }

        return end - start;
    }
}
