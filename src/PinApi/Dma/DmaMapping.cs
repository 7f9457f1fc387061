namespace PinApi;

/// <summary>
/// A DMA mapping: the frames a device may read and write, addressed as one range of
/// <c>PageCount × PageSize</c> bytes. Unmapping it ends the device's access.
/// </summary>
public sealed class DmaMapping : IDisposable
{
    private readonly long[] frames;
    private volatile bool unmapped;

    internal DmaMapping(DmaDevice device, long[] frames)
    {
        Device = device;
        this.frames = frames;
    }

    public DmaDevice Device { get; }

    public int PageCount => frames.Length;

    public long Length => (long)frames.Length * PhysicalMemory.PageSize;

    public bool IsUnmapped => unmapped;

    /// <summary>The mapped pages, in DMA order.</summary>
    public IReadOnlyList<Page> Pages => [.. frames.Select(pfn => new Page(Device.Memory, pfn))];

    /// <summary>The device writes <paramref name="bytes"/> at <paramref name="offset"/> into the mapped pages, with no fault.</summary>
    public void DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        CheckRange(offset, bytes.Length);
        foreach (var chunk in PageChunk.Split((ulong)offset, bytes.Length))
        {
            Device.WriteFrame(frames[chunk.PageIndex], chunk.OffsetInPage, bytes.Slice(chunk.Done, chunk.Count));
        }
    }

    /// <summary>The device reads mapped memory at <paramref name="offset"/> (DMA_TO_DEVICE).</summary>
    public void DeviceRead(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        foreach (var chunk in PageChunk.Split((ulong)offset, destination.Length))
        {
            Device.Memory.DataStore.Get(frames[chunk.PageIndex]).AsSpan(chunk.OffsetInPage, chunk.Count).CopyTo(destination[chunk.Done..]);
        }
    }

    /// <summary><c>dma_unmap_sg()</c>.</summary>
    public void Unmap() => unmapped = true;

    public void Dispose() => Unmap();

    private void CheckRange(long offset, int count)
    {
        if (unmapped)
        {
            throw new InvalidOperationException($"DMA through an unmapped mapping of {Device.Name}: an IOMMU fault.");
        }

        if (offset < 0 || offset + count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The access [{offset}, {offset + count}) is outside the {Length}-byte mapping.");
        }
    }
}
