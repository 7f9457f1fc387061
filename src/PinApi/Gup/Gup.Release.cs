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

        CheckPinned(memory, page, "UnpinUserPage");
        Unpin(memory, page, "UnpinUserPage");
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
        var memory = page.Memory ?? throw new ArgumentException("The page is null (default): no reference was taken into this slot.", paramName);
        memory.CheckOwned(page, paramName);
        return memory;
    }

    /// <summary>Throws, changing nothing, unless the page can give up one pin.</summary>
    private static void CheckPinned(PhysicalMemory memory, Page page, string operation)
    {
        var head = memory.HeadOf(page.Pfn);
        var pinned = memory.IsLarge(head)
            ? Volatile.Read(ref memory.PinCountOf(head)) > 0
            : Volatile.Read(ref memory.Frames.RefCount(head)) >= PhysicalMemory.GupPinCountingBias;
        if (!pinned)
        {
            throw new PinStateException($"{operation} on a page that holds no FOLL_PIN reference (a FOLL_GET page, or one already unpinned)", page, memory.PinTracker.LastReleaseSite(page.Pfn));
        }

        if (memory.PinTracker.Enabled)
        {
            memory.PinTracker.CheckRelease(page, PageRef.Pin, operation);
        }
    }

    private static void Unpin(PhysicalMemory memory, Page page, string operation)
    {
        if (memory.PinTracker.Enabled)
        {
            memory.PinTracker.RecordRelease(page, PageRef.Pin, operation);
        }

        var head = memory.HeadOf(page.Pfn);
        if (memory.IsLarge(head))
        {
            ref var pincount = ref memory.PinCountOf(head);
            var old = Volatile.Read(ref pincount);
            while (true)
            {
                if (old <= 0)
                {
                    throw new PinStateException($"{operation} on a huge page whose pincount is already zero", page, memory.PinTracker.LastReleaseSite(page.Pfn));
                }

                var seen = Interlocked.CompareExchange(ref pincount, old - 1, old);
                if (seen == old)
                {
                    break;
                }

                old = seen;
            }

            memory.PutRef(head, 1, page, operation);
        }
        else
        {
            memory.PutRef(head, PhysicalMemory.GupPinCountingBias, page, operation);
        }

        memory.VmStat.Increment(VmStatItem.NrFollPinReleased);
    }

    private static void UnpinAll(ReadOnlySpan<Page> pages, bool makeDirty, bool skipNull, string operation)
    {
        for (var i = 0; i < pages.Length; i++)
        {
            var page = pages[i];
            if (page.IsNull)
            {
                if (skipNull)
                {
                    continue;
                }

                throw new ArgumentException($"{operation}: entry {i} is null; the dirtying path does not tolerate null entries.", nameof(pages));
            }

            var memory = Owner(page, nameof(pages));
            if (!memory.IsZeroPfn(page.Pfn))
            {
                CheckPinned(memory, page, operation);
            }
        }

        foreach (var page in pages)
        {
            if (page.IsNull)
            {
                continue;
            }

            var memory = page.Memory!;
            if (memory.IsZeroPfn(page.Pfn))
            {
                continue;
            }

            if (makeDirty && !memory.TestFlag(memory.HeadOf(page.Pfn), PageFlags.Dirty))
            {
                memory.LockPage(page.Pfn);
                try
                {
                    memory.MarkDirty(page.Pfn);
                }
                finally
                {
                    memory.UnlockPage(page.Pfn);
                }
            }

            Unpin(memory, page, operation);
        }
    }
}
