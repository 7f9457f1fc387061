namespace PinApi.Tests;

/// <summary>
/// KERNEL.md §4 (CONFORMANCE.md: "the folios to migrate are isolated … before the pins are dropped"). A long-term pin
/// migrates by unpinning what it took and moving it. If the pages were unmapped while they were pinned, the pins were
/// their last references: before the fix the unpin freed them and the migration then "moved", and so freed, them a
/// second time, leaving the free-page accounting counting those frames twice. Now the migration holds a reference of
/// its own across the unpin, and a folio that nothing maps or caches any more is freed once instead of migrated.
/// </summary>
public class LongtermUnmapRaceTests
{
    // 2 MiB aligned and far from where mmap puts mappings by itself.
    private const ulong Base = 0x4000_0000;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The window is real and reachable through the public API: <c>pin_user_pages_unlocked(FOLL_LONGTERM)</c> over
    /// anonymous pages followed by a file page that must be read from disk pins the anonymous pages, then drops the
    /// mmap lock for the IO (VM_FAULT_RETRY). A munmap or MADV_DONTNEED waiting for the lock runs right then, and the
    /// migration that follows finds pages held only by its own pins. The test makes the interleaving deterministic:
    /// it holds the file's page-cache lock so the pinner stops, with the mmap lock and its pins held, before the IO;
    /// queues the unmapper on the mmap lock (a waiting writer keeps the pinner from retaking the lock first); and
    /// then lets the pinner go.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void A_page_unmapped_while_a_longterm_pin_drops_the_mmap_lock_is_freed_once_not_migrated_and_freed_again(bool thp, bool munmap)
    {
        using var machine = new Machine(normalPages: 1024, movablePages: 1024, devicePages: 0);
        var memory = machine.Memory;
        var mm = machine.Mm;
        var normalPages = memory.ZonePages(Zone.Normal);
        var movablePages = memory.ZonePages(Zone.Movable);
        var anonPages = thp ? PhysicalMemory.HugePageFrames : 3;
        var anonLength = (ulong)anonPages * (ulong)Machine.Page;
        var anon = mm.Mmap(anonLength, Protection.ReadWrite, VmaKind.AnonymousPrivate, address: Base);
        if (thp)
        {
            Assert.Equal(0, mm.Madvise(anon, anonLength, Advice.HugePage));
        }

        Assert.Equal(0, mm.Fill(anon, (int)anonLength, 0x5a));
        using var file = machine.File(1);
        var filePage = mm.Mmap((ulong)Machine.Page, Protection.Read, VmaKind.FilePrivate, file, address: anon + anonLength);
        var originals = new Page[anonPages];
        for (var i = 0; i < anonPages; i++)
        {
            Assert.True(mm.TryGetMappedPage(anon + ((ulong)i * (ulong)Machine.Page), out originals[i]));
            Assert.Equal(Zone.Movable, originals[i].Zone);
        }

        Assert.Equal(thp, originals[0].IsCompound);
        Assert.Equal(movablePages - anonPages, memory.FreePages(Zone.Movable));
        Assert.Equal(normalPages, memory.FreePages(Zone.Normal));

        var pages = new Page[anonPages + 1];
        BackgroundThread<long> pinner;
        BackgroundThread<int> unmapper;
        var gate = file.Cache.Gate;
        gate.Enter();
        try
        {
            pinner = new BackgroundThread<long>(() => Gup.PinUserPagesUnlocked(mm, anon, anonPages + 1, GupFlags.Longterm, pages));

            // The pinner holds the mmap lock and its pins on the anonymous pages; it cannot pass the page cache.
            Assert.True(SpinWait.SpinUntil(() => originals[^1].PinCount > 0, Timeout));
            Assert.Equal(1, mm.Lock.CurrentReadCount);

            unmapper = new BackgroundThread<int>(() => munmap ? mm.Munmap(anon, anonLength) : mm.Madvise(anon, anonLength, Advice.DontNeed));
            Assert.True(SpinWait.SpinUntil(() => mm.Lock.WaitingWriteCount == 1, Timeout));
            Assert.True(mm.TryGetMappedPage(anon, out _));
        }
        finally
        {
            gate.Exit();
        }

        Assert.True(unmapper.Join(Timeout));
        Assert.Equal(0, unmapper.Result);
        Assert.True(pinner.Join(Timeout));
        var got = pinner.Result;

        // The unmap ran inside the pin: after munmap the retry finds no VMA (-EFAULT, nothing held); after
        // MADV_DONTNEED it pins what is mapped now, the zero page, and the file page that did migrate.
        Assert.Equal(munmap ? -(int)Errno.EFAULT : anonPages + 1, got);
        Assert.True(mm.TryGetMappedPage(filePage, out var cached));
        Assert.Equal(Zone.Normal, cached.Zone);
        Assert.Equal(1, cached.Data[0]);
        if (!munmap)
        {
            Assert.All(pages.Take(anonPages), p => Assert.True(p.IsZeroPage));
            Assert.Equal(cached, pages[anonPages]);
        }

        // The anonymous pages were freed exactly once, and only the file page was migrated (one Normal frame).
        Assert.All(originals, p => Assert.True(p.IsFree));
        Assert.Equal(movablePages, memory.FreePages(Zone.Movable));
        Assert.Equal(normalPages - 1, memory.FreePages(Zone.Normal));
        Assert.Equal(1, memory.VmStat[VmStatItem.PgMigrateSuccess]);
        Assert.Equal(0, memory.VmStat[VmStatItem.PgMigrateFail]);
        Assert.Equal(munmap ? 0 : 1, memory.VmStat.NrFollPinAcquired);

        // The page cache's reference and the PTE's, plus the long-term pin if one is held.
        Assert.Equal(2 + (munmap ? 0 : PhysicalMemory.GupPinCountingBias), cached.RefCount);
        if (got > 0)
        {
            Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
        }

        Assert.Equal(0, memory.VmStat.OutstandingPins);

        // With everything unmapped and the file closed, every frame is back, each once.
        mm.Dispose();
        file.Dispose();
        Assert.Equal(normalPages, memory.FreePages(Zone.Normal));
        Assert.Equal(movablePages, memory.FreePages(Zone.Movable));
        for (var pfn = 1L; pfn < memory.TotalFrames; pfn++)
        {
            Assert.Equal(0, memory.Frames.RefCount(pfn));
        }
    }
}
