namespace PinApi;

/// <summary>
/// Page contents, allocated on first touch. A two-level directory (chunks of 512 frames) keeps the cost of
/// untouched memory to one pointer per 2 MiB. A frame whose buffer is absent reads as zeros, so allocating a
/// zeroed page is just dropping its buffer.
/// </summary>
internal sealed class PageDataStore
{
    private const int ChunkShift = 9;
    private const int ChunkSize = 1 << ChunkShift;
    private readonly byte[]?[]?[] chunks;

    public PageDataStore(long frames) => chunks = new byte[]?[]?[(frames + ChunkSize - 1) >> ChunkShift];

    /// <summary>The page's bytes, allocating them (zeroed) on first use.</summary>
    public byte[] Get(long pfn)
    {
        var chunk = chunks[pfn >> ChunkShift] ?? AllocateChunk(pfn >> ChunkShift);
        ref var slot = ref chunk[pfn & (ChunkSize - 1)];
        var data = Volatile.Read(ref slot);
        if (data is not null)
        {
            return data;
        }

        var fresh = new byte[PhysicalMemory.PageSize];
        return Interlocked.CompareExchange(ref slot, fresh, null) ?? fresh;
    }

    /// <summary>True once the frame's contents exist in host memory.</summary>
    public bool IsMaterialized(long pfn) => chunks[pfn >> ChunkShift]?[pfn & (ChunkSize - 1)] is not null;

    /// <summary>How many frames have contents in host memory; chunks never touched are skipped whole.</summary>
    public long MaterializedPages()
    {
        long count = 0;
        foreach (var chunk in chunks)
        {
            if (chunk is null)
            {
                continue;
            }

            foreach (var data in chunk)
            {
                count += data is null ? 0 : 1;
            }
        }

        return count;
    }

    /// <summary>Makes the frame read as zeros again (clear_page on allocation).</summary>
    public void Clear(long pfn)
    {
        var chunk = chunks[pfn >> ChunkShift];
        if (chunk is not null)
        {
            Volatile.Write(ref chunk[pfn & (ChunkSize - 1)], null);
        }
    }

    private byte[]?[] AllocateChunk(long chunkIndex)
    {
        var fresh = new byte[]?[ChunkSize];
        return Interlocked.CompareExchange(ref chunks[chunkIndex], fresh, null) ?? fresh;
    }
}
