namespace PinApi;

/// <summary>
/// A file's page cache (<c>struct address_space</c>): the frames holding its pages by index, the VMAs that map it
/// (the reverse map used to write-protect and migrate), and its disk, if any. Shmem caches have no disk and do no
/// writeback; fs-DAX caches hold ZONE_DEVICE frames that are the file's own storage.
/// </summary>
internal sealed class PageCache
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, long> pages = [];
    private readonly List<Vma> mappers = [];

    public PageCache(PhysicalMemory memory, BackingFile? file, bool dax)
    {
        Memory = memory;
        File = file;
        IsDax = dax;
        Id = memory.Mappings.Register(this);
    }

    public PhysicalMemory Memory { get; }

    public BackingFile? File { get; }

    public bool IsDax { get; }

    public int Id { get; }

    /// <summary><c>mapping_can_writeback()</c>: a file on disk (not shmem, not DAX) needs write-notify and dirty tracking.</summary>
    public bool CanWriteback => File is not null && !IsDax;

    public Lock Gate => gate;

    public void AddMapper(Vma vma)
    {
        lock (gate)
        {
            mappers.Add(vma);
        }
    }

    public void RemoveMapper(Vma vma)
    {
        lock (gate)
        {
            mappers.Remove(vma);
        }
    }

    public Vma[] Mappers()
    {
        lock (gate)
        {
            return [.. mappers];
        }
    }

    /// <summary>
    /// Finds the page at <paramref name="index"/>, reading it from disk on a miss, and takes a reference for the
    /// caller. Returns false when no frame can be had.
    /// </summary>
    public bool TryGetPage(long index, out long pfn, out bool major)
    {
        major = false;
        lock (gate)
        {
            if (pages.TryGetValue(index, out pfn))
            {
                Memory.GetFolio(pfn);
                return true;
            }

            var policy = IsDax ? PhysicalMemory.AllocationPolicy.Device : PhysicalMemory.AllocationPolicy.UserMovable;
            if (!Memory.TryAllocateFolio(policy, 0, PageFlags.None, out pfn))
            {
                return false;
            }

            Memory.Frames.Mapping(pfn) = Id;
            Memory.Frames.Index(pfn) = checked((int)index);
            if (File is not null)
            {
                major = File.ReadPage(index, Memory.DataStore.Get(pfn));
            }

            pages[index] = pfn;

            // One reference for the cache, one for the caller.
            Memory.GetFolio(pfn);
            return true;
        }
    }

    /// <summary>The cached frame of a file page, or -1.</summary>
    public long Lookup(long index)
    {
        lock (gate)
        {
            return pages.TryGetValue(index, out var pfn) ? pfn : -1;
        }
    }

    /// <summary>Points a cache slot at a new frame (migration; the caller holds the cache lock).</summary>
    public void Replace(long index, long newPfn) => pages[index] = newPfn;

    public KeyValuePair<long, long>[] Snapshot()
    {
        lock (gate)
        {
            return [.. pages.OrderBy(p => p.Key)];
        }
    }

    /// <summary>
    /// Drops clean pages that nobody but the cache references (<c>drop_caches</c>); the next access reads them from
    /// disk again. Returns how many were dropped.
    /// </summary>
    public int DropClean()
    {
        if (File is null || IsDax)
        {
            return 0;
        }

        var dropped = 0;
        lock (gate)
        {
            foreach (var (index, pfn) in pages.ToArray())
            {
                if (Memory.TestFlag(pfn, PageFlags.Dirty) || !Memory.FreezeRefs(pfn, 1))
                {
                    continue;
                }

                pages.Remove(index);
                Memory.FreeFolio(pfn);
                dropped++;
            }
        }

        return dropped;
    }

    /// <summary>Releases every cached page when the file is closed: the cache's reference goes.</summary>
    public void ReleaseAll()
    {
        lock (gate)
        {
            foreach (var pfn in pages.Values)
            {
                // Truncation detaches the page (page->mapping = NULL): a pin may keep it alive, but it no longer
                // belongs to the file, so dirtying it later reaches no disk.
                Memory.Frames.Mapping(pfn) = 0;
                Memory.PutRef(pfn, 1, new Page(Memory, pfn), "page cache release");
            }

            pages.Clear();
        }

        Memory.Mappings.Unregister(Id);
    }
}
