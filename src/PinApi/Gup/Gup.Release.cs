using PinApi.Contracts;

namespace PinApi;

/// <summary>Releases, dirtying and the page lock (KERNEL.md §2.2, §6).</summary>
public static partial class Gup
{
    /// <summary><c>put_page()</c>: drops one FOLL_GET reference. Never for FOLL_PIN pages.</summary>
    [Releases(PageRef.Get, Pages = "page", Twin = nameof(UnpinUserPage))]
    public static void PutPage(Page page)
    {
        var memory = Owner(page, nameof(page));
        if (memory.PinTracker.Enabled)
        {
            memory.PinTracker.RecordRelease(page, PageRef.Get, "PutPage");
        }

        memory.PutRef(memory.HeadOf(page.Pfn), 1, page, "put_page");
    }

    /// <summary><c>put_page()</c> of a typed FOLL_GET reference.</summary>
    [Releases(PageRef.Get, Pages = "page", Twin = nameof(UnpinUserPage))]
    public static void PutPage(GotPage page) => PutPage(page.Page);

    /// <summary>
    /// <c>unpin_user_page()</c>: releases one FOLL_PIN reference (the bias, or one compound pin). A page that holds
    /// no pin throws <see cref="PinStateException"/> and nothing changes. The zero page is a no-op.
    /// </summary>
    [Releases(PageRef.Pin, Pages = "page", Twin = nameof(PutPage))]
    public static void UnpinUserPage(Page page)
    {
        var memory = Owner(page, nameof(page));
        if (memory.IsZeroPfn(page.Pfn))
        {
            return;
        }

        UnpinAll([page], makeDirty: false, skipNull: false, "UnpinUserPage");
    }

    /// <summary><c>unpin_user_page()</c> of a typed FOLL_PIN reference.</summary>
    [Releases(PageRef.Pin, Pages = "page", Twin = nameof(PutPage))]
    public static void UnpinUserPage(PinnedPage page) => UnpinUserPage(page.Page);

    /// <summary>
    /// <c>unpin_user_pages()</c>: releases one pin on each page; null entries are skipped. Every entry is checked
    /// before any is released, so a bad entry throws and leaves all counters as they were.
    /// </summary>
    [Releases(PageRef.Pin, Twin = nameof(PutPage))]
    public static void UnpinUserPages(ReadOnlySpan<Page> pages) => UnpinAll(pages, makeDirty: false, skipNull: true, "UnpinUserPages");

    /// <summary><c>unpin_user_pages()</c> of typed FOLL_PIN references.</summary>
    [Releases(PageRef.Pin, Twin = nameof(PutPage))]
    public static void UnpinUserPages(ReadOnlySpan<PinnedPage> pages) => UnpinUserPages(PageSpans.AsPages(pages));

    /// <summary>
    /// <c>unpin_user_pages_dirty_lock()</c>: with <paramref name="makeDirty"/>, marks each page dirty under its page
    /// lock (unless already dirty), then unpins. Null entries are not tolerated on the dirtying path.
    /// </summary>
    [Releases(PageRef.Pin, Dirties = "makeDirty", Twin = nameof(PutPage))]
    public static void UnpinUserPagesDirtyLock(ReadOnlySpan<Page> pages, bool makeDirty) =>
        UnpinAll(pages, makeDirty, skipNull: !makeDirty, "UnpinUserPagesDirtyLock");

    /// <summary><c>unpin_user_pages_dirty_lock()</c> of typed FOLL_PIN references.</summary>
    [Releases(PageRef.Pin, Dirties = "makeDirty", Twin = nameof(PutPage))]
    public static void UnpinUserPagesDirtyLock(ReadOnlySpan<PinnedPage> pages, bool makeDirty) =>
        UnpinUserPagesDirtyLock(PageSpans.AsPages(pages), makeDirty);

    /// <summary>
    /// <c>unpin_user_page_range_dirty_lock()</c>: the same for <paramref name="nrPages"/> physically contiguous pages
    /// starting at <paramref name="page"/>.
    /// </summary>
    [Releases(PageRef.Pin, Pages = "page", Count = "nrPages", Dirties = "makeDirty", Twin = nameof(PutPage))]
    public static void UnpinUserPageRangeDirtyLock(Page page, long nrPages, bool makeDirty)
    {
        var memory = Owner(page, nameof(page));
        ArgumentOutOfRangeException.ThrowIfNegative(nrPages);
        if (nrPages > memory.TotalFrames - page.Pfn)
        {
            throw new ArgumentOutOfRangeException(nameof(nrPages), nrPages, $"The range runs past the last frame of the machine ({memory.TotalFrames}).");
        }

        var range = new Page[nrPages];
        for (var i = 0; i < nrPages; i++)
        {
            range[i] = new Page(memory, page.Pfn + i);
        }

        UnpinAll(range, makeDirty, skipNull: false, "UnpinUserPageRangeDirtyLock");
    }

    /// <summary><c>unpin_user_page_range_dirty_lock()</c> from a typed FOLL_PIN reference.</summary>
    [Releases(PageRef.Pin, Pages = "page", Count = "nrPages", Dirties = "makeDirty", Twin = nameof(PutPage))]
    public static void UnpinUserPageRangeDirtyLock(PinnedPage page, long nrPages, bool makeDirty) =>
        UnpinUserPageRangeDirtyLock(page.Page, nrPages, makeDirty);

    /// <summary>
    /// <c>set_page_dirty()</c>: marks the page dirty without the page lock. On a GUP page this races with truncation
    /// (KERNEL.md §6); prefer <see cref="SetPageDirtyLock"/>. Returns true if the page was newly dirtied.
    /// </summary>
    [DirtiesPage]
    public static bool SetPageDirty(Page page) => Owner(page, nameof(page)).MarkDirty(page.Pfn);

    /// <summary><c>set_page_dirty_lock()</c>: locks the page, marks it dirty, unlocks. The right choice for GUP pages.</summary>
    [DirtiesPageLocked]
    public static bool SetPageDirtyLock(Page page)
    {
        var memory = Owner(page, nameof(page));
        memory.LockPage(page.Pfn);
        try
        {
            return memory.MarkDirty(page.Pfn);
        }
        finally
        {
            memory.UnlockPage(page.Pfn);
        }
    }

    /// <summary><c>lock_page()</c>: waits until the page lock is taken.</summary>
    [LocksPage]
    public static void LockPage(Page page) => Owner(page, nameof(page)).LockPage(page.Pfn);

    /// <summary><c>unlock_page()</c>. Throws if the page is not locked.</summary>
    [UnlocksPage]
    public static void UnlockPage(Page page) => Owner(page, nameof(page)).UnlockPage(page.Pfn);

    /// <summary>
    /// <c>page_maybe_dma_pinned()</c>: false means not pinned; true means probably pinned, a false positive being
    /// possible for small pages (KERNEL.md §5.3). Never use it to decide to unpin.
    /// </summary>
    public static bool PageMaybeDmaPinned(Page page) => Owner(page, nameof(page)).MaybeDmaPinned(page.Pfn);

    private static PhysicalMemory Owner(Page page, string paramName)
    {
        if (page.IsNull)
        {
            throw new ArgumentException("The page is null (default): no reference was taken into this slot.", paramName);
        }

        var memory = page.Memory ?? throw new ObjectDisposedException(nameof(PhysicalMemory), $"{page} belongs to a PhysicalMemory that has been disposed.");
        memory.CheckOwned(page, paramName);
        return memory;
    }

    /// <summary>
    /// Throws, changing nothing, unless the folio at <paramref name="head"/> can give up <paramref name="run"/> pins
    /// (a run of consecutive entries on one folio, as <c>unpin_user_pages()</c> batches them).
    /// </summary>
    private static void CheckPinned(PhysicalMemory memory, ReadOnlySpan<Page> run, long head, string operation)
    {
        var pinned = memory.IsLarge(head)
            ? Volatile.Read(ref memory.PinCountOf(head)) >= run.Length
            : Volatile.Read(ref memory.Frames.RefCount(head)) >= (long)PhysicalMemory.GupPinCountingBias * run.Length;
        if (!pinned)
        {
            var page = run[0];
            throw new PinStateException($"{operation} on a page that holds no FOLL_PIN reference (a FOLL_GET page, or one already unpinned)", page, memory.PinTracker.LastReleaseSite(page.Pfn));
        }

        if (memory.PinTracker.Enabled)
        {
            foreach (var page in run)
            {
                memory.PinTracker.CheckRelease(page, PageRef.Pin, operation);
            }
        }
    }

    /// <summary>Releases one pin per entry of a run on one folio: one atomic step on the head however long the run.</summary>
    private static void Unpin(PhysicalMemory memory, ReadOnlySpan<Page> run, long head, string operation)
    {
        if (memory.PinTracker.Enabled)
        {
            foreach (var page in run)
            {
                memory.PinTracker.RecordRelease(page, PageRef.Pin, operation);
            }
        }

        if (memory.IsLarge(head))
        {
            ref var pincount = ref memory.PinCountOf(head);
            var old = Volatile.Read(ref pincount);
            while (true)
            {
                if (old < run.Length)
                {
                    throw new PinStateException($"{operation} on a huge page whose pincount ({old}) is below the pins released ({run.Length})", run[0], memory.PinTracker.LastReleaseSite(run[0].Pfn));
                }

                var seen = Interlocked.CompareExchange(ref pincount, old - run.Length, old);
                if (seen == old)
                {
                    break;
                }

                old = seen;
            }

            memory.PutRef(head, run.Length, run[0], operation);
        }
        else
        {
            memory.PutRef(head, PhysicalMemory.GupPinCountingBias * run.Length, run[0], operation);
        }
    }

    /// <summary>The number of consecutive entries from <paramref name="start"/> on the same folio of the same machine.</summary>
    private static int RunLength(ReadOnlySpan<Page> pages, int start, PhysicalMemory memory, long head)
    {
        var end = start + 1;
        while (end < pages.Length && pages[end].MachineId == memory.Id && memory.HeadOf(pages[end].Pfn) == head)
        {
            end++;
        }

        return end - start;
    }

    private static void UnpinAll(ReadOnlySpan<Page> pages, bool makeDirty, bool skipNull, string operation)
    {
        // First pass: every entry is checked before anything changes, so a bad entry loses nothing.
        PhysicalMemory? checkedMemory = null;
        for (var i = 0; i < pages.Length;)
        {
            var page = pages[i];
            if (page.IsNull)
            {
                if (!skipNull)
                {
                    throw new ArgumentException($"{operation}: entry {i} is null; the dirtying path does not tolerate null entries.", nameof(pages));
                }

                i++;
                continue;
            }

            // The ownership check (null, foreign machine, disposed) once per machine, not once per entry.
            var memory = checkedMemory is not null && page.MachineId == checkedMemory.Id ? checkedMemory : Owner(page, nameof(pages));
            checkedMemory = memory;
            var head = memory.HeadOf(page.Pfn);
            var run = RunLength(pages, i, memory, head);
            if (!memory.IsZeroPfn(head))
            {
                CheckPinned(memory, pages.Slice(i, run), head, operation);
            }

            i += run;
        }

        PhysicalMemory? counted = null;
        long released = 0;
        for (var i = 0; i < pages.Length;)
        {
            var page = pages[i];
            if (page.IsNull)
            {
                i++;
                continue;
            }

            var memory = page.MachineId == checkedMemory!.Id ? checkedMemory : page.Memory!;
            var head = memory.HeadOf(page.Pfn);
            var run = RunLength(pages, i, memory, head);
            if (!memory.IsZeroPfn(head))
            {
                if (makeDirty && !memory.TestFlag(head, PageFlags.Dirty))
                {
                    memory.LockPage(head);
                    try
                    {
                        memory.MarkDirty(head);
                    }
                    finally
                    {
                        memory.UnlockPage(head);
                    }
                }

                Unpin(memory, pages.Slice(i, run), head, operation);
                if (!ReferenceEquals(counted, memory))
                {
                    counted?.VmStat.Add(VmStatItem.NrFollPinReleased, released);
                    counted = memory;
                    released = 0;
                }

                released += run;
            }

            i += run;
        }

        counted?.VmStat.Add(VmStatItem.NrFollPinReleased, released);
    }
}
