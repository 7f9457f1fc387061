using BenchmarkDotNet.Attributes;

namespace PinApi.Benchmarks;

/// <summary>
/// A 2 MiB huge page (512 subpages) pinned and unpinned with O(1) atomics on its compound head, against one
/// 4 KiB page. Goal: ≤ 4× the small page.
/// </summary>
public class HugePageBenchmarks
{
    private PhysicalMemory memory = null!;
    private AddressSpace mm = null!;
    private ulong small;
    private ulong huge;
    private readonly Page[] one = new Page[1];
    private readonly Page[] subpages = new Page[PhysicalMemory.HugePageFrames];

    [GlobalSetup]
    public void Setup()
    {
        memory = new PhysicalMemory(normalPages: 1024, hugePages: 1);
        mm = new AddressSpace(memory);
        small = mm.Mmap(PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        huge = mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        mm.Fill(small, PhysicalMemory.PageSize, 1);
        mm.Fill(huge, PhysicalMemory.HugePageSize, 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        mm.Dispose();
        memory.Dispose();
    }

    [Benchmark(Baseline = true, Description = "pin + unpin one 4 KiB page")]
    public int SmallPage()
    {
        var n = Gup.PinUserPagesFast(mm, small, 1, GupFlags.Write, one);
        Gup.UnpinUserPages(one);
        return n;
    }

    [Benchmark(Description = "pin + unpin one 2 MiB page (512 subpages)")]
    public int HugePage()
    {
        var n = Gup.PinUserPagesFast(mm, huge, PhysicalMemory.HugePageFrames, GupFlags.Write, subpages);
        Gup.UnpinUserPages(subpages);
        return n;
    }
}
