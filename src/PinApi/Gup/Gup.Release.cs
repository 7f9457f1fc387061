using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinApi.Contracts;

namespace PinApi;

/// <summary>Releases, dirtying and the page lock (KERNEL.md §2.2, §6).</summary>
public static partial class Gup
{
    private const ulong PfnMask = (1UL << Page.PfnBits) - 1;

    private const uint CompoundFlags = (uint)(PageFlags.Head | PageFlags.Tail);

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

        // The range as a pages array (on the stack up to one huge page's worth), released as unpin_user_pages is.
        Span<Page> range = nrPages <= PhysicalMemory.HugePageFrames ? stackalloc Page[(int)nrPages] : new Page[nrPages];
        GupEngine.FillRun(range, page.Packed);
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

    /// <summary>The machine of a page passed to a release or page-state call; throws for a null or foreign-disposed page.</summary>
    private static PhysicalMemory Owner(Page page, string paramName)
    {
        // The registry maps the page's machine id to its machine until that is disposed, so a hit is the owner.
        var memory = page.Memory;
        return memory is not null && !memory.IsDisposed ? memory : OwnerFailure(page, paramName);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PhysicalMemory OwnerFailure(Page page, string paramName)
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
    /// The common body of the unpin family (<c>unpin_user_pages_dirty_lock</c> and friends), batched as the kernel
    /// batches per folio: consecutive entries on one folio are one run, released with one atomic step on its head
    /// (the bias times the run on a small page; the run from the exact pincount, and from the refcount, on a
    /// compound page). Two passes: every run is checked before any is released, so a bad entry throws and changes
    /// nothing; then the runs are dirtied if asked and released. The check pass remembers the runs it found when
    /// they are few (a huge page is one run of 512 entries), so the release pass does not look for them again.
    /// </summary>
    private static void UnpinAll(ReadOnlySpan<Page> pages, bool makeDirty, bool skipNull, string operation)
    {
        // First pass: every entry is checked before anything changes, so a bad entry loses nothing.
        var log = default(RunLog);
        PhysicalMemory? checkedMemory = null;
        var tracking = false;
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
            if (!ReferenceEquals(memory, checkedMemory))
            {
                checkedMemory = memory;
                tracking |= memory.PinTracker.Enabled;
            }

            i += CheckRuns(memory, pages, i, operation, ref log);
        }

        if (checkedMemory is null)
        {
            return;
        }

        if (!log.Overflowed)
        {
            ReleaseLogged(pages, ref log, makeDirty, operation);
            return;
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

            var memory = page.MachineId == checkedMemory.Id ? checkedMemory : page.Memory!;
            if (!ReferenceEquals(counted, memory))
            {
                counted?.VmStat.Add(VmStatItem.NrFollPinReleased, released);
                counted = memory;
                released = 0;
            }

            var done = makeDirty || tracking
                ? ReleaseRunsCarefully(memory, pages, i, makeDirty, operation, out var unpinned)
                : ReleaseRuns(memory, pages, i, operation, out unpinned);
            released += unpinned;
            i += done;
        }

        counted?.VmStat.Add(VmStatItem.NrFollPinReleased, released);
    }

    /// <summary>
    /// Checks the runs from <paramref name="start"/> on while the entries stay non-null pages of <paramref name="memory"/>;
    /// returns how many entries it covered. Throws, changing nothing, on a run its folio cannot give up.
    /// </summary>
    private static unsafe int CheckRuns(PhysicalMemory memory, ReadOnlySpan<Page> pages, int start, string operation, ref RunLog log)
    {
        var frames = memory.Frames;
        var tracking = memory.PinTracker.Enabled;
        var machine = memory.Id;
        ref var entries = ref Unsafe.As<Page, ulong>(ref MemoryMarshal.GetReference(pages));
        var i = start;
        while (i < pages.Length)
        {
            if (!tracking)
            {
                var plain = CheckSmallPages(frames.RefCounts, frames.FlagWords, ref Unsafe.Add(ref entries, i), pages.Length - i, (ulong)machine);
                if (plain > 0)
                {
                    log.Add(new LoggedRun(memory, i, plain, LoggedRun.PlainSmallPages));
                    i += plain;
                    if (i == pages.Length)
                    {
                        break;
                    }
                }
            }

            // One run the tight loop left alone: another machine or a null (stop here), a compound page, the zero
            // page, or a small page that may not give up its run (which throws below).
            var page = pages[i];
            if (page.IsNull || page.MachineId != machine)
            {
                break;
            }

            var pfn = page.Pfn;
            var head = memory.HeadOf(pfn);
            var large = memory.IsLarge(head);
            var run = large ? GupEngine.BlockRunLength(pages, i, page.Packed) : SameEntryRun(pages, i);
            var pinned = memory.IsZeroPfn(head) || (large
                ? Volatile.Read(ref memory.PinCountOf(head)) >= run
                : Volatile.Read(ref frames.RefCount(head)) >= (long)PhysicalMemory.GupPinCountingBias * run);
            if (!pinned)
            {
                throw new PinStateException($"{operation} on a page that holds no FOLL_PIN reference (a FOLL_GET page, or one already unpinned)", page, memory.PinTracker.LastReleaseSite(pfn));
            }

            if (tracking && !memory.IsZeroPfn(head))
            {
                foreach (var tracked in pages.Slice(i, run))
                {
                    memory.PinTracker.CheckRelease(tracked, PageRef.Pin, operation);
                }
            }

            log.Add(new LoggedRun(memory, i, run, head));
            i += run;
        }

        GC.KeepAlive(frames);
        return i - start;
    }

    /// <summary>
    /// The check pass's hot loop: consecutive entries of machine <paramref name="machine"/> that are plain small
    /// pages (not compound, not the zero page), each different from the next, whose refcount holds the bias.
    /// Returns the entries it covered; it stops at the first entry that is anything else (a run of one page
    /// repeated included), which the caller looks at carefully.
    /// </summary>
    private static unsafe int CheckSmallPages(int* refCounts, uint* flagWords, ref ulong entries, int count, ulong machine)
    {
        var i = 0;
        for (; i < count; i++)
        {
            var packed = Unsafe.Add(ref entries, i);
            var pfn = (long)(packed & PfnMask);
            if ((packed >> Page.PfnBits) != machine || pfn == 0 || (Volatile.Read(ref flagWords[pfn]) & CompoundFlags) != 0 ||
                Volatile.Read(ref refCounts[pfn]) < PhysicalMemory.GupPinCountingBias ||
                (i + 1 < count && Unsafe.Add(ref entries, i + 1) == packed))
            {
                break;
            }
        }

        return i;
    }

    /// <summary>
    /// The release pass without dirtying or tracking: runs from <paramref name="start"/> on while the entries stay
    /// non-null pages of <paramref name="memory"/>. Returns the entries covered; <paramref name="unpinned"/> counts
    /// the logical pins released (the zero page's pretend pins are not).
    /// </summary>
    private static unsafe int ReleaseRuns(PhysicalMemory memory, ReadOnlySpan<Page> pages, int start, string operation, out long unpinned)
    {
        var frames = memory.Frames;
        var machine = memory.Id;
        ref var entries = ref Unsafe.As<Page, ulong>(ref MemoryMarshal.GetReference(pages));
        unpinned = 0;
        var i = start;
        while (i < pages.Length)
        {
            var plain = ReleaseSmallPages(frames.RefCounts, frames.FlagWords, ref Unsafe.Add(ref entries, i), pages.Length - i, (ulong)machine, out var freed);
            unpinned += plain;
            i += plain;
            if (freed >= 0)
            {
                // That was the last reference (the page was unmapped while pinned): free it, and go on.
                memory.FreeFolio(freed);
                continue;
            }

            if (i == pages.Length)
            {
                break;
            }

            var page = pages[i];
            if (page.IsNull || page.MachineId != machine)
            {
                break;
            }

            var head = memory.HeadOf(page.Pfn);
            var run = memory.IsLarge(head) ? GupEngine.BlockRunLength(pages, i, page.Packed) : SameEntryRun(pages, i);
            if (!memory.IsZeroPfn(head))
            {
                Unpin(memory, pages.Slice(i, run), head, operation, tracking: false);
                unpinned += run;
            }

            i += run;
        }

        GC.KeepAlive(frames);
        return i - start;
    }

    /// <summary>
    /// The release pass's hot loop: consecutive entries of machine <paramref name="machine"/> that are plain small
    /// pages, each different from the next, each releasing the bias in one compare-and-swap. Returns the entries
    /// released; it stops at the first entry that is anything else (a run of one page repeated included) or would
    /// take its refcount below zero (nothing done for it), or just after a release that dropped the last reference,
    /// whose frame it returns in <paramref name="freed"/> (else -1) for the caller to free.
    /// </summary>
    private static unsafe int ReleaseSmallPages(int* refCounts, uint* flagWords, ref ulong entries, int count, ulong machine, out long freed)
    {
        freed = -1;
        var i = 0;
        for (; i < count; i++)
        {
            var packed = Unsafe.Add(ref entries, i);
            var pfn = (long)(packed & PfnMask);
            if ((packed >> Page.PfnBits) != machine || pfn == 0 || (Volatile.Read(ref flagWords[pfn]) & CompoundFlags) != 0 ||
                (i + 1 < count && Unsafe.Add(ref entries, i + 1) == packed))
            {
                break;
            }

            const int Bias = PhysicalMemory.GupPinCountingBias;
            ref var refCount = ref refCounts[pfn];
            var old = Volatile.Read(ref refCount);
            while (old >= Bias)
            {
                var seen = Interlocked.CompareExchange(ref refCount, old - Bias, old);
                if (seen == old)
                {
                    break;
                }

                old = seen;
            }

            if (old < Bias)
            {
                // Below zero: the careful path throws for it.
                break;
            }

            if (old == Bias)
            {
                freed = pfn;
                return i + 1;
            }
        }

        return i;
    }

    /// <summary>The release pass over the runs the check pass remembered.</summary>
    private static void ReleaseLogged(ReadOnlySpan<Page> pages, ref RunLog log, bool makeDirty, string operation)
    {
        PhysicalMemory? counted = null;
        long released = 0;
        for (var r = 0; r < log.Count; r++)
        {
            var (memory, start, length, head) = log[r];
            if (!ReferenceEquals(counted, memory))
            {
                counted?.VmStat.Add(VmStatItem.NrFollPinReleased, released);
                counted = memory;
                released = 0;
            }

            if (head == LoggedRun.PlainSmallPages)
            {
                ReleasePlainSmallPages(memory, pages.Slice(start, length), makeDirty, operation);
                released += length;
                continue;
            }

            if (memory.IsZeroPfn(head))
            {
                continue;
            }

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

            Unpin(memory, pages.Slice(start, length), head, operation, memory.PinTracker.Enabled);
            released += length;
        }

        counted?.VmStat.Add(VmStatItem.NrFollPinReleased, released);
    }

    /// <summary>
    /// Releases entries that the check pass found to be plain small pages of <paramref name="memory"/>, each
    /// different from the next (so one pin each), with the bias taken back by one compare-and-swap per page. Their
    /// kind cannot have changed since: a pinned page is neither freed nor made compound. Dirtying, when asked, is
    /// per page as the kernel's (under the page lock unless already dirty).
    /// </summary>
    private static unsafe void ReleasePlainSmallPages(PhysicalMemory memory, ReadOnlySpan<Page> pages, bool makeDirty, string operation)
    {
        var frames = memory.Frames;
        ref var entries = ref Unsafe.As<Page, ulong>(ref MemoryMarshal.GetReference(pages));
        var i = 0;
        while (i < pages.Length)
        {
            if (makeDirty)
            {
                var pfn = pages[i].Pfn;
                if (!memory.TestFlag(pfn, PageFlags.Dirty))
                {
                    memory.LockPage(pfn);
                    try
                    {
                        memory.MarkDirty(pfn);
                    }
                    finally
                    {
                        memory.UnlockPage(pfn);
                    }
                }

                memory.PutRef(pfn, PhysicalMemory.GupPinCountingBias, pages[i], operation);
                i++;
                continue;
            }

            i += ReleaseCheckedSmallPages(frames.RefCounts, ref Unsafe.Add(ref entries, i), pages.Length - i, out var freed);
            if (freed >= 0)
            {
                // That was the last reference (the page was unmapped while pinned): free it, and go on.
                memory.FreeFolio(freed);
            }
            else if (i < pages.Length)
            {
                // Another thread took the pin meanwhile (a caller's bug): the careful put throws and changes nothing.
                memory.PutRef(pages[i].Pfn, PhysicalMemory.GupPinCountingBias, pages[i], operation);
                i++;
            }
        }

        GC.KeepAlive(frames);
    }

    /// <summary>
    /// The hot loop of <see cref="ReleasePlainSmallPages"/>: one compare-and-swap per entry taking the bias back.
    /// Returns the entries released; it stops before an entry whose refcount no longer holds the bias, or just
    /// after a release that dropped the last reference, whose frame it returns in <paramref name="freed"/> (else -1).
    /// </summary>
    private static unsafe int ReleaseCheckedSmallPages(int* refCounts, ref ulong entries, int count, out long freed)
    {
        const int Bias = PhysicalMemory.GupPinCountingBias;
        freed = -1;
        for (var i = 0; i < count; i++)
        {
            var pfn = (long)(Unsafe.Add(ref entries, i) & PfnMask);
            ref var refCount = ref refCounts[pfn];
            var old = Volatile.Read(ref refCount);
            while (old >= Bias)
            {
                var seen = Interlocked.CompareExchange(ref refCount, old - Bias, old);
                if (seen == old)
                {
                    break;
                }

                old = seen;
            }

            if (old < Bias)
            {
                return i;
            }

            if (old == Bias)
            {
                freed = pfn;
                return i + 1;
            }
        }

        return count;
    }

    /// <summary>The release pass with dirtying or pin tracking: the same runs, one at a time.</summary>
    private static int ReleaseRunsCarefully(PhysicalMemory memory, ReadOnlySpan<Page> pages, int start, bool makeDirty, string operation, out long unpinned)
    {
        var tracking = memory.PinTracker.Enabled;
        unpinned = 0;
        var i = start;
        while (i < pages.Length)
        {
            var page = pages[i];
            if (page.IsNull || page.MachineId != memory.Id)
            {
                break;
            }

            var head = memory.HeadOf(page.Pfn);
            var run = memory.IsLarge(head) ? GupEngine.BlockRunLength(pages, i, page.Packed) : SameEntryRun(pages, i);
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

                Unpin(memory, pages.Slice(i, run), head, operation, tracking);
                unpinned += run;
            }

            i += run;
        }

        return i - start;
    }

    /// <summary>The number of consecutive entries from <paramref name="start"/> equal to its entry (one small page pinned several times).</summary>
    private static int SameEntryRun(ReadOnlySpan<Page> pages, int start)
    {
        var end = start + 1;
        while (end < pages.Length && pages[end] == pages[start])
        {
            end++;
        }

        return end - start;
    }

    /// <summary>Releases one pin per entry of a run on one folio: one atomic step on the head however long the run.</summary>
    private static void Unpin(PhysicalMemory memory, ReadOnlySpan<Page> run, long head, string operation, bool tracking)
    {
        if (tracking)
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

    /// <summary>
    /// One run found by the check pass: <paramref name="Length"/> entries from <paramref name="Start"/>, all on the
    /// folio at <paramref name="Head"/>; or, with <see cref="PlainSmallPages"/> as head, that many plain small pages.
    /// </summary>
    private readonly record struct LoggedRun(PhysicalMemory Memory, int Start, int Length, long Head)
    {
        public const long PlainSmallPages = -1;
    }

    /// <summary>The runs of the check pass, when there are at most <see cref="Capacity"/> of them.</summary>
    private struct RunLog
    {
        private const int Capacity = 8;
        private RunBuffer runs;

        public int Count { get; private set; }

        public bool Overflowed { get; private set; }

        public readonly LoggedRun this[int index] => runs[index];

        public void Add(LoggedRun run)
        {
            if (Count == Capacity)
            {
                Overflowed = true;
                return;
            }

            runs[Count++] = run;
        }

        public void MarkOverflowed() => Overflowed = true;
    }

    [InlineArray(8)]
    private struct RunBuffer
    {
        private LoggedRun element;
    }
}
