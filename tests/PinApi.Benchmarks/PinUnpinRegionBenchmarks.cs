using BenchmarkDotNet.Attributes;

namespace PinApi.Benchmarks;

/// <summary>
/// Pin + unpin of a faulted 1 GiB region (262,144 × 4 KiB pages), against the physical floor: a bare loop doing
/// the same two atomic adds per page frame (+bias, −bias) over the same frame metadata. Goal: ≤ 1.5× the floor.
/// </summary>
[MemoryDiagnoser]
public class PinUnpinRegionBenchmarks
{
    public const int RegionPages = 262_144;

    private PhysicalMemory memory = null!;
    private AddressSpace mm = null!;
    private ulong region;
    private long[] frames = [];
    private Page[] pages = [];
    private PinnedPage[] pinned = [];
    private GotPage[] got = [];

    [GlobalSetup]
    public void Setup()
    {
        memory = new PhysicalMemory(normalPages: RegionPages + 1024);
        mm = new AddressSpace(memory);
        region = mm.Mmap((ulong)RegionPages * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        using (mm.MmapReadLock())
        {
            // Fault every page in (no references kept), as the goal is about a faulted region.
            if (Gup.GetUserPages(mm, region, RegionPages, GupFlags.Write) != RegionPages)
            {
                throw new InvalidOperationException("Could not fault the region in.");
            }
        }

        pages = new Page[RegionPages];
        pinned = new PinnedPage[RegionPages];
        got = new GotPage[RegionPages];
        frames = new long[RegionPages];
        for (var i = 0; i < RegionPages; i++)
        {
            mm.TryGetMappedPage(region + ((ulong)i * PhysicalMemory.PageSize), out var page);
            frames[i] = page.Pfn;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        mm.Dispose();
        memory.Dispose();
    }

    [Benchmark(Baseline = true, Description = "floor: 2 atomic adds per frame")]
    public int BareAtomicLoop()
    {
        var table = memory.Frames;
        var sum = 0;
        foreach (var pfn in frames)
        {
            sum += Interlocked.Add(ref table.RefCount(pfn), PhysicalMemory.GupPinCountingBias);
        }

        foreach (var pfn in frames)
        {
            sum += Interlocked.Add(ref table.RefCount(pfn), -PhysicalMemory.GupPinCountingBias);
        }

        return sum;
    }

    [Benchmark(Description = "PinUserPagesFast + UnpinUserPages (Span<Page>)")]
    public int PinFastUnpin()
    {
        var n = Gup.PinUserPagesFast(mm, region, RegionPages, GupFlags.Write, pages);
        Gup.UnpinUserPages(pages.AsSpan(0, n));
        return n;
    }

    [Benchmark(Description = "PinUserPagesFast + UnpinUserPages (Span<PinnedPage>)")]
    public int PinFastUnpinTyped()
    {
        var n = Gup.PinUserPagesFast(mm, region, RegionPages, GupFlags.Write, pinned);
        Gup.UnpinUserPages(pinned.AsSpan(0, n));
        return n;
    }

    [Benchmark(Description = "GetUserPagesFast + PutPage")]
    public int GetFastPut()
    {
        var n = Gup.GetUserPagesFast(mm, region, RegionPages, GupFlags.Write, got);
        for (var i = 0; i < n; i++)
        {
            Gup.PutPage(got[i]);
        }

        return n;
    }
}
