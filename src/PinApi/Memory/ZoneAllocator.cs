namespace PinApi;

/// <summary>
/// Free-frame bookkeeping for one zone: a bump pointer over frames never handed out (so untouched memory is never
/// read or written) plus free lists of order 0 and of the huge order for frames given back.
/// </summary>
internal sealed class ZoneAllocator
{
    private readonly Lock gate = new();
    private readonly Stack<long> freeSmall = new();
    private readonly Stack<long> freeHuge = new();
    private long next;
    private long freePages;

    public ZoneAllocator(Zone zone, long start, long end)
    {
        Zone = zone;
        Start = start;
        End = end;
        next = start;
        freePages = end - start;
    }

    public Zone Zone { get; }

    public long Start { get; }

    public long End { get; }

    public long FreePages => Volatile.Read(ref freePages);

    public bool Contains(long pfn) => pfn >= Start && pfn < End;

    public bool TryAllocate(int order, out long pfn)
    {
        lock (gate)
        {
            return order == 0 ? TryAllocateSmall(out pfn) : TryAllocateHuge(out pfn);
        }
    }

    public void Free(long pfn, int order)
    {
        lock (gate)
        {
            (order == 0 ? freeSmall : freeHuge).Push(pfn);
            freePages += 1L << order;
        }
    }

    private bool TryAllocateSmall(out long pfn)
    {
        if (freeSmall.TryPop(out pfn))
        {
            freePages--;
            return true;
        }

        if (next < End)
        {
            pfn = next++;
            freePages--;
            return true;
        }

        // Break up a free huge block rather than fail: the kernel's buddy allocator splits higher orders too.
        if (freeHuge.TryPop(out var block))
        {
            for (var i = PhysicalMemory.HugePageFrames - 1; i >= 1; i--)
            {
                freeSmall.Push(block + i);
            }

            pfn = block;
            freePages--;
            return true;
        }

        pfn = 0;
        return false;
    }

    private bool TryAllocateHuge(out long pfn)
    {
        if (freeHuge.TryPop(out pfn))
        {
            freePages -= PhysicalMemory.HugePageFrames;
            return true;
        }

        var aligned = (next + PhysicalMemory.HugePageFrames - 1) & ~(long)(PhysicalMemory.HugePageFrames - 1);
        if (aligned + PhysicalMemory.HugePageFrames > End)
        {
            pfn = 0;
            return false;
        }

        // Frames skipped for alignment stay usable as small pages.
        for (var skipped = next; skipped < aligned; skipped++)
        {
            freeSmall.Push(skipped);
        }

        next = aligned + PhysicalMemory.HugePageFrames;
        pfn = aligned;
        freePages -= PhysicalMemory.HugePageFrames;
        return true;
    }
}
