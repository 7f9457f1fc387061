namespace PinApi.Tests;

/// <summary>
/// Several threads pinning, unpinning, faulting, writing back, migrating and unmapping at once, for a bounded
/// number of operations; afterwards every invariant is checked: no negative refcount, vmstat balanced (I2), the
/// process's own stores survive migration, and under pin-aware writeback no device write is lost.
/// </summary>
public class ConcurrencyStressTests
{
    private const int Rounds = 2000;

    [Fact]
    public void Gup_unpin_writeback_migration_and_munmap_race_without_breaking_an_invariant()
    {
        using var machine = new Machine(normalPages: 8192, movablePages: 2048, devicePages: 0);
        var memory = machine.Memory;
        var mm = machine.Mm;
        const int anonPages = 64;
        const int filePages = 16;
        var anon = machine.Anon(anonPages);
        using var file = machine.File(filePages);
        var shared = mm.Mmap((ulong)(filePages * Machine.Page), Protection.ReadWrite, VmaKind.FileShared, file);
        Assert.Equal(0, mm.Fill(shared, filePages * Machine.Page, 0));
        var device = new DmaDevice(memory, "stress");
        var lastStamp = new int[filePages];
        var pageGates = Enumerable.Range(0, filePages).Select(_ => new object()).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var stop = 0;

        void Guard(Action body)
        {
            try
            {
                body();
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex.ToString());
            }
        }

        // Pinners over the anonymous region: short-term and long-term (which migrates out of ZONE_MOVABLE).
        Thread Pinner(int seed) => new(() => Guard(() =>
        {
            var random = new Random(seed);
            var pages = new Page[8];
            for (var round = 0; round < Rounds; round++)
            {
                var first = random.Next(anonPages - 8);
                var count = random.Next(1, 9);
                var flags = GupFlags.Write | (random.Next(3) == 0 ? GupFlags.Longterm : 0);
                var got = random.Next(2) == 0
                    ? Gup.PinUserPagesFast(mm, anon + (ulong)(first * Machine.Page), count, flags, pages)
                    : Gup.PinUserPagesUnlocked(mm, anon + (ulong)(first * Machine.Page), count, flags, pages);
                if (got < 0)
                {
                    // A long-term pin can lose a migration race to another pinner's reference: -ENOMEM, nothing held.
                    Assert.Equal(-(int)Errno.ENOMEM, got);
                    continue;
                }

                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)got), makeDirty: random.Next(2) == 0);
                Array.Clear(pages);
            }
        }));

        // The process keeps storing into its own slice and reading back, across migrations.
        var writer = new Thread(() => Guard(() =>
        {
            var buffer = new byte[8];
            for (var round = 0; round < Rounds; round++)
            {
                var at = anon + (ulong)((round % anonPages) * Machine.Page) + 64;
                var value = BitConverter.GetBytes((long)round);
                Assert.Equal(0, mm.Write(at, value));
                Assert.Equal(0, mm.Read(at, buffer));
                Assert.Equal(value, buffer);
            }
        }));

        // A driver doing DMA into the shared file mapping: pin, device write, dirty-unpin.
        var dma = new Thread(() => Guard(() =>
        {
            var random = new Random(7);
            var pages = new Page[1];
            for (var round = 1; round <= Rounds; round++)
            {
                var index = random.Next(filePages);
                lock (pageGates[index])
                {
                    Assert.Equal(1, Gup.PinUserPagesFast(mm, shared + (ulong)(index * Machine.Page), 1, GupFlags.Write, pages));
                    using var mapping = device.MapPages(pages);
                    mapping.DeviceWrite(0, BitConverter.GetBytes(round));
                    Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
                    lastStamp[index] = round;
                }
            }
        }));

        var flusher = new Thread(() => Guard(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                file.Writeback(WritebackPolicy.PinAware);
                Thread.Yield();
            }
        }));

        // Allocation churn: map, touch, pin, unmap while pinned, unpin.
        var churn = new Thread(() => Guard(() =>
        {
            var pages = new Page[4];
            for (var round = 0; round < Rounds / 4; round++)
            {
                var scratch = mm.Mmap((ulong)(4 * Machine.Page), Protection.ReadWrite, VmaKind.AnonymousPrivate);
                Assert.Equal(4, Gup.PinUserPagesFast(mm, scratch, 4, GupFlags.Write, pages));
                Assert.Equal(0, mm.Munmap(scratch, (ulong)(4 * Machine.Page)));
                Gup.UnpinUserPages(pages);
            }
        }));

        Thread[] workers = [Pinner(1), Pinner(2), writer, dma, churn];
        flusher.Start();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromMinutes(3)), "a worker did not finish: a deadlock");
        }

        Volatile.Write(ref stop, 1);
        Assert.True(flusher.Join(TimeSpan.FromMinutes(1)));
        Assert.Empty(failures);

        // I2: every pin given back.
        Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        Assert.True(memory.VmStat.NrFollPinAcquired > Rounds);
        Assert.True(memory.VmStat[VmStatItem.PgMigrateSuccess] > 0, "no long-term pin migrated a page");

        // No refcount ever went negative, and nothing is pinned.
        for (long pfn = 0; pfn < memory.TotalFrames; pfn++)
        {
            Assert.True(memory.Frames.RefCount(pfn) >= 0, $"negative refcount on pfn {pfn}");
            Assert.False(memory.MaybeDmaPinned(pfn) && memory.Frames.RefCount(pfn) > 0 && memory.OrderOf(memory.HeadOf(pfn)) == 0 && pfn != 0, $"pfn {pfn} still looks pinned");
        }

        // No device write lost under pin-aware writeback: the disk holds each page's last stamp.
        file.Writeback(WritebackPolicy.PinAware);
        Assert.Equal(0, memory.VmStat[VmStatItem.WritebackLost]);
        file.DropCaches();
        for (var index = 0; index < filePages; index++)
        {
            var onDisk = BitConverter.ToInt32(file.ReadFromDisk((long)index * Machine.Page, 4));
            Assert.Equal(lastStamp[index], onDisk);
        }
    }
}
