using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// A bus-mastering device. It writes into memory the way hardware does: through the frames it was given, later,
/// without page faults, write-notify or any regard for what the page tables or writeback think. That is why the
/// pages handed to it must be pinned (FOLL_PIN): only pins tell the rest of mm that someone is writing.
/// </summary>
public sealed class DmaDevice
{
    private long unpinnedWrites;

    public DmaDevice(PhysicalMemory memory, string name = "dma0")
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
        Name = name;
    }

    public PhysicalMemory Memory { get; }

    public string Name { get; }

    /// <summary>
    /// Page writes this device made into frames that were not (maybe-)pinned at the time: free frames, frames
    /// reused by someone else, or pages held only by FOLL_GET. Each one is a DMA the kernel could not see.
    /// </summary>
    public long UnpinnedWrites => Volatile.Read(ref unpinnedWrites);

    /// <summary><c>dma_map_sg()</c>: maps the pages for this device, in order, as one contiguous DMA range.</summary>
    public DmaMapping MapPages([RequiresPin] ReadOnlySpan<Page> pages)
    {
        var frames = new long[pages.Length];
        for (var i = 0; i < pages.Length; i++)
        {
            var page = pages[i];
            if (page.IsNull)
            {
                throw new ArgumentException($"Entry {i} is null: nothing to map.", nameof(pages));
            }

            Memory.CheckOwned(page, nameof(pages));
            frames[i] = page.Pfn;
        }

        return new DmaMapping(this, frames);
    }

    /// <summary><c>dma_map_sg()</c> of typed FOLL_PIN references.</summary>
    public DmaMapping MapPages([RequiresPin] ReadOnlySpan<PinnedPage> pages) => MapPages(PageSpans.AsPages(pages));

    /// <summary>Writes into one frame as DMA does, noting a write the kernel could not know about.</summary>
    internal void WriteFrame(long pfn, int offset, ReadOnlySpan<byte> bytes)
    {
        if (!Memory.MaybeDmaPinned(pfn))
        {
            Interlocked.Increment(ref unpinnedWrites);
        }

        bytes.CopyTo(Memory.DataStore.Get(pfn).AsSpan(offset));
    }
}
