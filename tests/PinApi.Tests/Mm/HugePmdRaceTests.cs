using static PinApi.Tests.HugeMappings;

namespace PinApi.Tests;

/// <summary>
/// A small, bounded race over THP-backed memory: pinners (short- and long-term, fast and slow, some with
/// FOLL_SPLIT_PMD) against a thread that zaps whole blocks and parts of blocks with MADV_DONTNEED and faults them
/// back in. Afterwards: no errors, vmstat balanced (I2), and once the address space is gone every frame is free,
/// exactly once.
/// </summary>
public class HugePmdRaceTests
{
    private const int Rounds = 150;

    [Fact]
    public void Pins_pmd_splits_zaps_and_thp_migrations_race_without_leaking_or_double_freeing_a_frame()
    {
        const long normal = 16384;
        const long movable = 8192;
        using var machine = new Machine(normalPages: normal, movablePages: movable, devicePages: 0);
        var memory = machine.Memory;
        var mm = machine.Mm;
        var block = ThpBlocks(machine, 7);
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

        Thread Pinner(int seed) => new(() => Guard(() =>
        {
            var random = new Random(seed);
            var pages = new Page[700];
            for (var round = 0; round < Rounds; round++)
            {
                var first = random.Next(0, 5 * Frames);
                var count = random.Next(1, 700);
                var flags = GupFlags.Write | (random.Next(4) == 0 ? GupFlags.Longterm : 0);
                long got = random.Next(2) == 0
                    ? Gup.PinUserPagesFast(mm, PageOf(block, first), count, flags, pages)
                    : Gup.PinUserPagesUnlocked(mm, PageOf(block, first), count, flags | (random.Next(3) == 0 ? GupFlags.SplitPmd : 0), pages);
                if (got < 0)
                {
                    // A long-term pin can lose a migration race to another pinner's reference: -ENOMEM, nothing held.
                    Assert.Equal(-(int)Errno.ENOMEM, got);
                    continue;
                }

                for (var i = 0; i < got; i++)
                {
                    pages[i].Data[8] = (byte)i;
                }

                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)got), makeDirty: random.Next(2) == 0);
                Array.Clear(pages);
            }
        }));

        var zapper = new Thread(() => Guard(() =>
        {
            var random = new Random(99);
            while (Volatile.Read(ref stop) == 0)
            {
                var at = PageOf(block, random.Next(0, 5 * Frames));
                switch (random.Next(3))
                {
                    case 0:
                        Assert.Equal(0, mm.Madvise(at, (ulong)random.Next(1, 600) * (ulong)Machine.Page, Advice.DontNeed));
                        break;
                    case 1:
                        Assert.Equal(0, mm.Write(at, [3]));
                        break;
                    default:
                        Assert.Equal(0, mm.Madvise(at & ~(Size - 1), Size, Advice.DontNeed));
                        break;
                }

                Thread.Yield();
            }
        }));

        var pinners = new[] { Pinner(1), Pinner(2), Pinner(3) };
        zapper.Start();
        foreach (var thread in pinners)
        {
            thread.Start();
        }

        foreach (var thread in pinners)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)));
        }

        Volatile.Write(ref stop, 1);
        Assert.True(zapper.Join(TimeSpan.FromSeconds(60)));
        Assert.Empty(failures);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
        Assert.True(memory.VmStat.NrFollPinAcquired > 0);

        mm.Dispose();
        for (var pfn = 1L; pfn < memory.TotalFrames; pfn++)
        {
            Assert.Equal(0, memory.Frames.RefCount(pfn));
            if (memory.IsLarge(pfn))
            {
                Assert.Equal(0, memory.PinCountOf(pfn));
            }
        }

        Assert.Equal(normal, memory.FreePages(Zone.Normal));
        Assert.Equal(movable, memory.FreePages(Zone.Movable));
    }
}
