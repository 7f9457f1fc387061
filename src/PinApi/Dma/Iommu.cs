using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// An IOMMU domain: translates a device's I/O virtual addresses to frames, one 4 KiB page per entry, with read and
/// write permission. vfio's type1 backend maps guest memory here after pinning it; devices attached to the domain
/// read and write by IOVA.
/// </summary>
public sealed class Iommu
{
    private readonly Lock gate = new();
    private readonly Dictionary<ulong, (long Pfn, Protection Protection)> entries = [];
    private long unpinnedWrites;

    public Iommu(PhysicalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        Memory = memory;
    }

    public PhysicalMemory Memory { get; }

    /// <summary>Pages mapped in the domain.</summary>
    public int MappedPages
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Device writes that landed in frames not (maybe-)pinned at the time: DMA the kernel could not see.</summary>
    public long UnpinnedWrites => Volatile.Read(ref unpinnedWrites);

    /// <summary><c>iommu_map()</c> of one page at <paramref name="iova"/>: 0, -EINVAL (unaligned) or -EEXIST.</summary>
    public int Map(ulong iova, [RequiresPin] Page page, Protection protection)
    {
        Memory.CheckOwned(page, nameof(page));
        if (iova % PhysicalMemory.PageSize != 0)
        {
            return -(int)Errno.EINVAL;
        }

        lock (gate)
        {
            return entries.TryAdd(iova, (page.Pfn, protection)) ? 0 : -(int)Errno.EEXIST;
        }
    }

    /// <summary><c>iommu_map()</c> of consecutive pages from <paramref name="iova"/>; all or nothing.</summary>
    public int Map(ulong iova, [RequiresPin] ReadOnlySpan<Page> pages, Protection protection)
    {
        for (var i = 0; i < pages.Length; i++)
        {
            var rc = Map(iova + ((ulong)i * PhysicalMemory.PageSize), pages[i], protection);
            if (rc != 0)
            {
                Unmap(iova, (ulong)i * PhysicalMemory.PageSize);
                return rc;
            }
        }

        return 0;
    }

    /// <summary><c>iommu_unmap()</c>: returns the bytes that were mapped in the range.</summary>
    public ulong Unmap(ulong iova, ulong size)
    {
        ulong unmapped = 0;
        lock (gate)
        {
            for (ulong at = iova & ~(ulong)(PhysicalMemory.PageSize - 1); at < iova + size; at += PhysicalMemory.PageSize)
            {
                if (entries.Remove(at))
                {
                    unmapped += PhysicalMemory.PageSize;
                }
            }
        }

        return unmapped;
    }

    /// <summary><c>iommu_iova_to_phys()</c>.</summary>
    public bool TryTranslate(ulong iova, out Page page, out Protection protection)
    {
        lock (gate)
        {
            if (entries.TryGetValue(iova & ~(ulong)(PhysicalMemory.PageSize - 1), out var entry))
            {
                page = new Page(Memory, entry.Pfn);
                protection = entry.Protection;
                return true;
            }
        }

        page = default;
        protection = Protection.None;
        return false;
    }

    /// <summary>A device write by IOVA; 0, or -EFAULT for an IOMMU fault (unmapped, or mapped without write).</summary>
    public int DeviceWrite(ulong iova, ReadOnlySpan<byte> bytes)
    {
        foreach (var chunk in PageChunk.Split(iova, bytes.Length))
        {
            if (!TryTranslate(chunk.Address, out var page, out var protection) || (protection & Protection.Write) == 0)
            {
                return -(int)Errno.EFAULT;
            }

            if (!Memory.MaybeDmaPinned(page.Pfn))
            {
                Interlocked.Increment(ref unpinnedWrites);
            }

            bytes.Slice(chunk.Done, chunk.Count).CopyTo(Memory.DataStore.Get(page.Pfn).AsSpan(chunk.OffsetInPage));
        }

        return 0;
    }

    /// <summary>A device read by IOVA; 0, or -EFAULT for an IOMMU fault.</summary>
    public int DeviceRead(ulong iova, Span<byte> destination)
    {
        foreach (var chunk in PageChunk.Split(iova, destination.Length))
        {
            if (!TryTranslate(chunk.Address, out var page, out var protection) || (protection & Protection.Read) == 0)
            {
                return -(int)Errno.EFAULT;
            }

            Memory.DataStore.Get(page.Pfn).AsSpan(chunk.OffsetInPage, chunk.Count).CopyTo(destination[chunk.Done..]);
        }

        return 0;
    }
}
