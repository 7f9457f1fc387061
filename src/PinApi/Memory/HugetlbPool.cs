namespace PinApi;

/// <summary>The hugetlb pool: a fixed number of 2 MiB compound pages reserved at boot (<c>nr_hugepages</c>).</summary>
internal sealed class HugetlbPool
{
    private readonly Lock gate = new();
    private readonly Stack<long> free = new();

    public HugetlbPool(long start, int count)
    {
        Start = start;
        Total = count;
        for (var i = count - 1; i >= 0; i--)
        {
            free.Push(start + ((long)i * PhysicalMemory.HugePageFrames));
        }
    }

    public long Start { get; }

    public int Total { get; }

    public long End => Start + ((long)Total * PhysicalMemory.HugePageFrames);

    public int Free
    {
        get
        {
            lock (gate)
            {
                return free.Count;
            }
        }
    }

    public bool Contains(long pfn) => pfn >= Start && pfn < End;

    public bool TryAllocate(out long head)
    {
        lock (gate)
        {
            return free.TryPop(out head);
        }
    }

    public void Release(long head)
    {
        lock (gate)
        {
            free.Push(head);
        }
    }
}
