using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// The one implementation behind every acquire entry point: argument validation in the order of mainline's
/// <c>is_valid_gup_args()</c>, the lockless fast walk, the slow walk with faults (<c>__get_user_pages</c>), the VMA
/// checks of <c>check_vma_flags()</c>, reference grabbing with the pin bias, and FOLL_LONGTERM migration.
/// </summary>
internal static partial class GupEngine
{
    internal const GupFlags InternalFlags =
        GupFlags.Touch | GupFlags.Tried | GupFlags.Remote | GupFlags.Pin | GupFlags.FastOnly | GupFlags.Unlockable | GupFlags.MadvPopulate;

    /// <summary>What <c>gup_fast_fallback()</c> accepts; anything else is WARN + -EINVAL (KERNEL.md §3.3).</summary>
    internal const GupFlags FastAllowed =
        GupFlags.Write | GupFlags.Longterm | GupFlags.Force | GupFlags.Pin | GupFlags.Get | GupFlags.FastOnly |
        GupFlags.Nofault | GupFlags.PciP2pdma | GupFlags.HonorNumaFault;

    private const int MaxMigrationPasses = 16;

    public static long Acquire(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages, bool hasPages, GupFlags toSet, GupEntry entry, ref bool locked, bool hasLocked)
    {
        ArgumentNullException.ThrowIfNull(mm);
        mm.ThrowIfDisposed();
        var memory = mm.Memory;
        memory.ThrowIfDisposed();

        // is_valid_gup_args(), in mainline's order.
        if ((flags & InternalFlags) != 0)
        {
            return -(int)Errno.EINVAL;
        }

        flags |= toSet;
        if (hasLocked)
        {
            if (!locked)
            {
                return -(int)Errno.EINVAL;
            }

            flags |= GupFlags.Unlockable;
        }

        if ((flags & (GupFlags.Pin | GupFlags.Get)) == (GupFlags.Pin | GupFlags.Get) ||
            ((flags & GupFlags.Pin) == 0 && (flags & GupFlags.Longterm) != 0 && !SeedEraLongtermGet(memory, entry)) ||
            ((flags & (GupFlags.Get | GupFlags.Pin)) != 0 && !hasPages) ||
            ((flags & GupFlags.Longterm) != 0 && (flags & GupFlags.PciP2pdma) != 0))
        {
            return -(int)Errno.EINVAL;
        }

        // __get_user_pages_locked(): callers of get_* that pass pages get FOLL_GET.
        if (hasPages && (flags & GupFlags.Pin) == 0)
        {
            flags |= GupFlags.Get;
        }

        var fast = entry is GupEntry.Fast or GupEntry.FastOnly;
        if (fast && (flags & ~FastAllowed) != 0)
        {
            return -(int)Errno.EINVAL;
        }

        CheckLockContract(mm, entry);
        if (nrPages < 0 || (hasPages && pages.Length < nrPages))
        {
            return -(int)Errno.EINVAL;
        }

        if (nrPages == 0)
        {
            return 0;
        }

        if (start % PhysicalMemory.PageSize != 0)
        {
            return -(int)Errno.EINVAL;
        }

        if (nrPages > (long)(ulong.MaxValue >> PhysicalMemory.PageShift) || start + ((ulong)nrPages << PhysicalMemory.PageShift) < start)
        {
            return fast ? -(int)Errno.EOVERFLOW : -(int)Errno.EINVAL;
        }

        if (start + ((ulong)nrPages << PhysicalMemory.PageShift) > AddressSpace.TaskSize)
        {
            return -(int)Errno.EFAULT;
        }

        if ((flags & GupFlags.Pin) != 0)
        {
            mm.MarkPinned();
        }

        var callSite = hasPages && memory.PinTracker.Enabled ? PinTracker.CaptureCallSite() : null;
        long zeroPages = 0;
        var result = fast
            ? AcquireFast(mm, start, nrPages, flags, pages, entry == GupEntry.FastOnly, out zeroPages)
            : AcquireSlow(mm, start, nrPages, flags, pages, hasPages, entry == GupEntry.Unlocked);

        if (result > 0 && hasPages)
        {
            var taken = pages[..(int)result];
            if ((flags & GupFlags.Pin) != 0)
            {
                // Pins of the zero page are pretend pins, not counted (KERNEL.md §5.4); the fast walk counted its own.
                memory.VmStat.Add(VmStatItem.NrFollPinAcquired, result - (fast ? zeroPages : CountZeroPages(memory, taken)));
            }

            if (callSite is not null)
            {
                memory.PinTracker.RecordAcquire(taken, (flags & GupFlags.Pin) != 0 ? PageRef.Pin : PageRef.Get, callSite);
            }
        }

        return result;
    }

    /// <summary>
    /// v5.6 let get_user_pages, get_user_pages_fast and get_user_pages_remote(locked = NULL) take FOLL_LONGTERM;
    /// the locked/unlocked forms refused it ("incompatible with FAULT_FLAG_ALLOW_RETRY", KERNEL.md §2.4, §4).
    /// </summary>
    private static bool SeedEraLongtermGet(PhysicalMemory memory, GupEntry entry) =>
        memory.Semantics == GupSemantics.SeedEra && entry is GupEntry.Locked or GupEntry.Fast;

    /// <summary>Takes the references of one grab: +1 for GET; +bias, or +1 and +1 pincount on a large folio, for PIN.</summary>
    internal static bool TryGrab(PhysicalMemory memory, long pfn, GupFlags flags) => TryGrabFolio(memory, memory.HeadOf(pfn), 1, flags);

    /// <summary>
    /// <c>try_grab_folio(folio, refs, flags)</c>: <paramref name="refs"/> references on one folio in one atomic step,
    /// so a whole huge page is taken with O(1) atomics on its head.
    /// </summary>
    internal static bool TryGrabFolio(PhysicalMemory memory, long head, int refs, GupFlags flags)
    {
        if ((flags & GupFlags.Pin) == 0)
        {
            return memory.TryAddRef(head, refs);
        }

        if (memory.IsZeroPfn(head))
        {
            // "We only pretend to pin a zero page" (KERNEL.md §5.4).
            return true;
        }

        if (memory.IsLarge(head))
        {
            if (!memory.TryAddRef(head, refs))
            {
                return false;
            }

            Interlocked.Add(ref memory.PinCountOf(head), refs);
            return true;
        }

        return refs == 1 && memory.TryAddRef(head, PhysicalMemory.GupPinCountingBias);
    }

    /// <summary>Undoes <see cref="TryGrab"/> (internal: no accounting, no tracking).</summary>
    internal static void Ungrab(PhysicalMemory memory, long pfn, GupFlags flags) => UngrabFolio(memory, memory.HeadOf(pfn), 1, flags, new Page(memory, pfn));

    internal static void UngrabFolio(PhysicalMemory memory, long head, int refs, GupFlags flags, Page page)
    {
        if ((flags & GupFlags.Pin) == 0)
        {
            memory.PutRef(head, refs, page, "gup undo");
        }
        else if (memory.IsZeroPfn(head))
        {
            return;
        }
        else if (memory.IsLarge(head))
        {
            Interlocked.Add(ref memory.PinCountOf(head), -refs);
            memory.PutRef(head, refs, page, "gup undo");
        }
        else
        {
            memory.PutRef(head, PhysicalMemory.GupPinCountingBias, page, "gup undo");
        }
    }

    /// <summary>Entries of a successful acquire that are the zero page (every entry of one is non-null).</summary>
    internal static long CountZeroPages(PhysicalMemory memory, ReadOnlySpan<Page> pages)
    {
        long count = 0;
        foreach (var page in pages)
        {
            if (memory.IsZeroPfn(page.Pfn))
            {
                count++;
            }
        }

        return count;
    }

    private static void CheckLockContract(AddressSpace mm, GupEntry entry)
    {
        var held = mm.IsMmapLockHeld;
        switch (entry)
        {
            case GupEntry.Locked or GupEntry.LockedUnlockable when !held:
                throw new InvalidOperationException("This GUP entry point requires the caller to hold the mmap lock (mmap_assert_locked): take it with MmapReadLock(), or use the *Unlocked or *Fast variant.");
            case GupEntry.Unlocked or GupEntry.Fast when held:
                throw new InvalidOperationException("*Unlocked and *Fast GUP take the mmap lock themselves; calling them with it held would deadlock (might_lock_read). Use the locked variant.");
        }
    }

    /// <summary>gup-fast refuses what a long-term pin must check in the slow path (fs-DAX, dirty-tracked file writes).</summary>
    private static bool FastPinAllowed(Vma vma, GupFlags flags)
    {
        if (vma.Kind == VmaKind.FsDax)
        {
            return false;
        }

        return (flags & GupFlags.Write) == 0 || vma.Kind is VmaKind.AnonymousPrivate or VmaKind.Shmem or VmaKind.Hugetlb;
    }

    private static long AcquireSlow(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages, bool hasPages, bool takeLock)
    {
        if (takeLock)
        {
            mm.Lock.EnterReadLock();
        }

        try
        {
            mm.ThrowIfDisposed();
            if ((flags & GupFlags.Longterm) == 0)
            {
                return GetUserPagesLocked(mm, start, nrPages, flags, pages, hasPages);
            }

            // __gup_longterm_locked(): pin, then migrate what may not be pinned long-term, and pin again.
            var migrate = hasPages;
            for (var pass = 0; pass < MaxMigrationPasses; pass++)
            {
                var got = GetUserPagesLocked(mm, start, nrPages, flags, pages, hasPages);
                if (got <= 0 || !migrate)
                {
                    return got;
                }

                var rc = LongtermMigration.CheckAndMigrate(mm.Memory, pages[..(int)got], flags);
                if (rc == -(int)Errno.ENOMEM && mm.Memory.Semantics == GupSemantics.SeedEra)
                {
                    // v5.6's check_and_migrate_cma_pages() pinned in place when migration failed.
                    migrate = false;
                    continue;
                }

                if (rc != -(int)Errno.EAGAIN)
                {
                    return rc == 0 ? got : rc;
                }
            }

            return -(int)Errno.ENOMEM;
        }
        finally
        {
            if (takeLock)
            {
                mm.Lock.ExitReadLock();
            }
        }
    }

    /// <summary><c>__get_user_pages()</c>: walk, fault, check, grab. Returns the count taken or a negative errno.</summary>
    private static long GetUserPagesLocked(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages, bool hasPages)
    {
        var memory = mm.Memory;
        var write = (flags & GupFlags.Write) != 0;
        var force = (flags & GupFlags.Force) != 0;
        long i = 0;
        Vma? vma = null;
        var attempts = 0;
        var lastIndex = -1L;
        while (i < nrPages)
        {
            var address = start + ((ulong)i << PhysicalMemory.PageShift);
            attempts = i == lastIndex ? attempts + 1 : 0;
            lastIndex = i;
            FaultProgress.Check(attempts, address);
            if (vma is null || !vma.Contains(address))
            {
                vma = mm.FindVmaUnlocked(address);
                var check = vma is null ? -(int)Errno.EFAULT : CheckVmaFlags(vma, flags);
                if (check != 0)
                {
                    return i > 0 ? i : check;
                }
            }

            // follow_pmd_mask(): a huge PMD leaf maps the whole 2 MiB page; otherwise the PTE maps this page.
            ref var entry = ref vma!.EntryAt(address, out var subpage);
            var raw = Volatile.Read(ref entry);
            var huge = Pte.IsHuge(raw);
            var pte = huge ? Pte.Subpage(raw, subpage) : raw;
            if (Pte.IsMigration(pte))
            {
                AddressSpace.WaitForMigration(ref entry);
                continue;
            }

            if (huge && (flags & GupFlags.SplitPmd) != 0 && Pte.IsPresent(raw))
            {
                // FOLL_SPLIT_PMD: split_huge_pmd(), then follow the PTE.
                mm.SplitHugePmd(vma, address & ~(ulong)(PhysicalMemory.HugePageSize - 1));
                continue;
            }

            if (!Pte.IsPresent(pte) || (write && !CanFollowWrite(memory, vma, pte, force)))
            {
                if ((flags & GupFlags.Nofault) != 0 || ((flags & GupFlags.Dump) != 0 && vma.IsAnonymous && !Pte.IsPresent(pte)))
                {
                    return i > 0 ? i : -(int)Errno.EFAULT;
                }

                if ((flags & GupFlags.Unlockable) != 0 && NeedsIo(vma, address, pte) && (flags & GupFlags.Nowait) == 0 && mm.Lock.IsReadLockHeld)
                {
                    // VM_FAULT_RETRY: drop the mmap lock while the page is read from disk, retake it, walk again.
                    ReadInWithoutLock(mm, vma, address);
                    flags |= GupFlags.Tried;
                    vma = null;
                    continue;
                }

                var rc = mm.HandleFault(vma, address, write, force, (flags & GupFlags.Nowait) != 0, out var wouldBlock);
                if (wouldBlock)
                {
                    // FOLL_NOWAIT: IO was needed; return what we have, possibly 0.
                    return i;
                }

                if (rc != 0)
                {
                    return i > 0 ? i : rc;
                }

                continue;
            }

            if (Pte.IsSpecial(pte))
            {
                return i > 0 ? i : -(int)Errno.EFAULT;
            }

            var pfn = Pte.PfnOf(pte);
            if ((flags & GupFlags.Dump) != 0 && memory.IsZeroPfn(pfn))
            {
                return i > 0 ? i : -(int)Errno.EFAULT;
            }

            if (memory.TestFlag(pfn, PageFlags.HwPoison))
            {
                var poisoned = (flags & GupFlags.Hwpoison) != 0 ? -(int)Errno.EHWPOISON : -(int)Errno.EFAULT;
                return i > 0 ? i : poisoned;
            }

            if (huge && !memory.TestFlag(Pte.PfnOf(raw), PageFlags.HasHwPoisoned))
            {
                // The rest of the range inside this huge page in one grab on its head (as follow_page_mask's
                // page_mask lets __get_user_pages do), then the subpages recorded.
                var head = Pte.PfnOf(raw);
                var run = (int)Math.Min(PhysicalMemory.HugePageFrames - subpage, nrPages - i);
                if (hasPages)
                {
                    if (!TryGrabFolio(memory, head, run, flags))
                    {
                        return i > 0 ? i : -(int)Errno.ENOMEM;
                    }

                    if (Volatile.Read(ref entry) != raw)
                    {
                        UngrabFolio(memory, head, run, flags, new Page(memory, pfn));
                        continue;
                    }

                    FillRun(pages.Slice((int)i, run), Page.Pack(memory.Id, pfn));
                }

                if ((flags & GupFlags.Touch) != 0)
                {
                    memory.SetFlag(head, PageFlags.Referenced);
                }

                i += run;
                continue;
            }

            if (hasPages)
            {
                if (!TryGrab(memory, pfn, flags))
                {
                    return i > 0 ? i : -(int)Errno.ENOMEM;
                }

                if (Volatile.Read(ref entry) != raw)
                {
                    Ungrab(memory, pfn, flags);
                    continue;
                }

                pages[(int)i] = new Page(memory, pfn);
            }

            if ((flags & GupFlags.Touch) != 0)
            {
                memory.SetFlag(memory.HeadOf(pfn), PageFlags.Referenced);
            }

            i++;
        }

        return i;
    }

    /// <summary>
    /// <c>can_follow_write_pte()</c>: a writable PTE, or under FOLL_FORCE our own private copy in a read-only COW
    /// mapping (what the forced write fault made).
    /// </summary>
    private static bool CanFollowWrite(PhysicalMemory memory, Vma vma, long pte, bool force)
    {
        if (Pte.IsWritable(pte))
        {
            return true;
        }

        if (!force || !vma.IsCow)
        {
            return false;
        }

        var pfn = Pte.PfnOf(pte);
        return !memory.IsZeroPfn(pfn) && memory.TestFlag(memory.HeadOf(pfn), PageFlags.Anon) && (pte & Pte.Dirty) != 0;
    }

    /// <summary><c>check_vma_flags()</c>, in mainline's order (KERNEL.md §3.4).</summary>
    private static int CheckVmaFlags(Vma vma, GupFlags flags)
    {
        var vmFlags = vma.Flags;
        var write = (flags & GupFlags.Write) != 0;
        if ((vmFlags & (VmFlags.Io | VmFlags.PfnMap)) != 0)
        {
            return -(int)Errno.EFAULT;
        }

        if ((flags & GupFlags.Anon) != 0 && !vma.IsAnonymous)
        {
            return -(int)Errno.EFAULT;
        }

        if ((flags & GupFlags.Longterm) != 0 && vma.Kind == VmaKind.FsDax)
        {
            return -(int)Errno.EOPNOTSUPP;
        }

        if ((flags & GupFlags.SplitPmd) != 0 && vma.Kind == VmaKind.Hugetlb)
        {
            return -(int)Errno.EOPNOTSUPP;
        }

        if (write && !vma.IsAnonymous && !WritableFileMappingAllowed(vma, flags))
        {
            return -(int)Errno.EFAULT;
        }

        if (write)
        {
            if ((vmFlags & VmFlags.Write) == 0)
            {
                // FOLL_FORCE may write only into COW mappings.
                if ((flags & GupFlags.Force) == 0 || !vma.IsCow)
                {
                    return -(int)Errno.EFAULT;
                }
            }
        }
        else if ((vmFlags & VmFlags.Read) == 0)
        {
            if ((flags & GupFlags.Force) == 0 || (vmFlags & VmFlags.MayRead) == 0)
            {
                return -(int)Errno.EFAULT;
            }
        }

        return 0;
    }

    /// <summary>
    /// <c>writable_file_mapping_allowed()</c> (~v6.5): a long-term write pin of a shared mapping of a file that
    /// needs dirty tracking is refused, because writeback cannot work under it (KERNEL.md §4).
    /// </summary>
    private static bool WritableFileMappingAllowed(Vma vma, GupFlags flags)
    {
        if ((flags & (GupFlags.Pin | GupFlags.Longterm)) != (GupFlags.Pin | GupFlags.Longterm))
        {
            return true;
        }

        return !(vma.Kind == VmaKind.FileShared && vma.Cache is { CanWriteback: true });
    }

    private static bool NeedsIo(Vma vma, ulong address, long pte) =>
        !Pte.IsPresent(pte) && vma.Cache is { File: not null, IsDax: false } cache && cache.Lookup(vma.FileIndexOf(address)) < 0;

    private static void ReadInWithoutLock(AddressSpace mm, Vma vma, ulong address)
    {
        var cache = vma.Cache!;
        var index = vma.FileIndexOf(address);
        mm.Lock.ExitReadLock();
        try
        {
            if (cache.TryGetPage(index, out var pfn, out var major))
            {
                if (major)
                {
                    mm.Memory.VmStat.Increment(VmStatItem.PgMajFault);
                }

                // Only populating the cache: the reference taken for us is not kept.
                mm.Memory.PutRef(pfn, 1, new Page(mm.Memory, pfn), "read-in");
            }
        }
        finally
        {
            mm.Lock.EnterReadLock();
        }

        mm.ThrowIfDisposed();
    }
}
