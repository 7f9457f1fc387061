namespace PinApi;

/// <summary>
/// <c>check_and_migrate_movable_folios()</c> (KERNEL.md §4): a long-term pin may not sit in ZONE_MOVABLE or CMA,
/// so such pages are unpinned, migrated to ZONE_NORMAL (contents, flags, page-cache slot and every PTE moved) and
/// the caller pins again. Migration follows the kernel's protocol: the page lock, migration entries in the PTEs,
/// a refcount freeze that fails if anybody else holds a reference, then the copy.
/// </summary>
internal static class LongtermMigration
{
    /// <summary>
    /// <c>folio_is_longterm_pinnable()</c>: not in ZONE_MOVABLE, CMA or ZONE_DEVICE. In the seed era only CMA was
    /// migrated (<c>check_and_migrate_cma_pages</c>); ZONE_MOVABLE joined in ~v5.13.
    /// </summary>
    public static bool IsPinnable(PhysicalMemory memory, long head) =>
        memory.IsZeroPfn(head) || memory.ZoneOf(head) switch
        {
            Zone.Cma or Zone.Device => false,
            Zone.Movable => memory.Semantics == GupSemantics.SeedEra,
            _ => true,
        };

    /// <summary>
    /// 0 when every page may stay pinned; -EAGAIN after unpinning everything and migrating the offenders (pin
    /// again); -ENOMEM when a migration failed (everything already unpinned).
    /// </summary>
    public static int CheckAndMigrate(PhysicalMemory memory, Span<Page> pages, GupFlags flags)
    {
        var offenders = new HashSet<long>();
        foreach (var page in pages)
        {
            var head = memory.HeadOf(page.Pfn);
            if (!IsPinnable(memory, head))
            {
                offenders.Add(head);
            }
        }

        if (offenders.Count == 0)
        {
            return 0;
        }

        // folio_isolate_lru(): each offender is held by a reference of the migration's own before the pins go, so
        // that a page unmapped meanwhile (munmap, MADV_DONTNEED) cannot be freed by the unpin and then migrated,
        // and so freed, a second time. Our pins keep the counts above zero until then.
        foreach (var head in offenders)
        {
            memory.GetFolio(head);
        }

        foreach (var page in pages)
        {
            GupEngine.Ungrab(memory, page.Pfn, flags);
        }

        pages.Clear();
        var failed = false;
        foreach (var head in offenders)
        {
            if (!failed && Migrate(memory, head))
            {
                continue;
            }

            if (!failed)
            {
                failed = true;
                memory.VmStat.Increment(VmStatItem.PgMigrateFail);
            }

            // putback_movable_pages(): the isolation reference goes (freeing the page if nothing else holds it).
            memory.PutRef(head, 1, new Page(memory, head), "migration putback");
        }

        return failed ? -(int)Errno.ENOMEM : -(int)Errno.EAGAIN;
    }

    /// <summary>
    /// Moves one isolated folio (the caller holds one reference on it, which the move consumes) to ZONE_NORMAL;
    /// false, with that reference still held, when no target frame exists or another reference cannot be frozen.
    /// </summary>
    public static bool Migrate(PhysicalMemory memory, long head)
    {
        var order = memory.OrderOf(head);
        var carried = (PageFlags)Volatile.Read(ref memory.Frames.Flags(head)) & (PageFlags.Anon | PageFlags.Thp);
        if (!memory.TryAllocateFolio(PhysicalMemory.AllocationPolicy.Unmovable, order, carried, out var target))
        {
            return false;
        }

        memory.LockPage(head);
        var cache = memory.Mappings.Get(memory.Frames.Mapping(head)) as PageCache;
        if (cache is not null)
        {
            cache.Gate.Enter();
        }

        var migrated = false;
        try
        {
            migrated = MoveLocked(memory, head, target, cache);
            return migrated;
        }
        finally
        {
            if (cache is not null)
            {
                cache.Gate.Exit();
            }

            if (!migrated)
            {
                memory.UnlockPage(head);
                memory.PutRef(target, 1, new Page(memory, target), "migration abort");
            }
        }
    }

    private static bool MoveLocked(PhysicalMemory memory, long head, long target, PageCache? cache)
    {
        var frames = memory.IsLarge(head) ? PhysicalMemory.HugePageFrames : 1;
        var index = memory.Frames.Index(head);
        var inCache = cache is not null && cache.Lookup((uint)index) == head;

        // Unmap: replace every PTE with a migration entry, so faults and GUP wait and gup-fast falls back.
        var installed = new List<(ReverseMap.PteSlot Slot, long Old)>();
        foreach (var slot in ReverseMap.MappingsOf(memory, head))
        {
            ref var entry = ref slot.Entry;
            var old = Volatile.Read(ref entry);
            var migrationEntry = (old & ~(Pte.Present | Pte.Accessed)) | Pte.Migration;
            if (Pte.IsPresent(old) && Interlocked.CompareExchange(ref entry, migrationEntry, old) == old)
            {
                installed.Add((slot, old));
            }
        }

        // The references the move carries over: the mappings' (one per PTE, one per subpage of a huge PMD) and
        // the page cache's. The freeze also takes the caller's isolation reference, which does not move.
        var expected = inCache ? 1 : 0;
        foreach (var (slot, _) in installed)
        {
            expected += slot.References;
        }

        if (expected == 0)
        {
            // Nothing maps or caches the page any more (unmapped while pinned): there is nothing to move, and the
            // caller's reference is the last; dropping it frees the page.
            memory.UnlockPage(head);
            memory.PutRef(target, 1, new Page(memory, target), "migration abort");
            memory.PutRef(head, 1, new Page(memory, head), "migration of an unmapped page");
            return true;
        }

        if (!memory.FreezeRefs(head, expected + 1))
        {
            // Someone else holds a reference (another GUP caller, an unpinned-but-not-put page): cannot move it.
            foreach (var (slot, old) in installed)
            {
                Volatile.Write(ref slot.Entry, old);
            }

            return false;
        }

        for (var i = 0; i < frames; i++)
        {
            if (memory.DataStore.IsMaterialized(head + i))
            {
                memory.DataStore.Get(head + i).CopyTo(memory.DataStore.Get(target + i), 0);
            }
        }

        const PageFlags state = PageFlags.Dirty | PageFlags.Private | PageFlags.Referenced | PageFlags.Uptodate;
        memory.SetFlag(target, (PageFlags)Volatile.Read(ref memory.Frames.Flags(head)) & state);
        memory.Frames.Mapping(target) = memory.Frames.Mapping(head);
        memory.Frames.Index(target) = index;
        if (inCache)
        {
            cache!.Replace((uint)index, target);
        }

        Volatile.Write(ref memory.Frames.RefCount(target), expected);
        foreach (var (slot, old) in installed)
        {
            var subpage = Pte.PfnOf(old) - head;
            var flagsBits = old & (PhysicalMemory.PageSize - 1);
            Volatile.Write(ref slot.Entry, ((target + subpage) << PhysicalMemory.PageShift) | flagsBits);
        }

        memory.VmStat.Add(VmStatItem.PgMigrateSuccess, frames);

        // The old frame's refcount is frozen at zero: free it. Its lock bit goes with its flags.
        memory.FreeFolio(head);
        return true;
    }
}
