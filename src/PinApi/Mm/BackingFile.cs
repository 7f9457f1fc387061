using Microsoft.Win32.SafeHandles;

namespace PinApi;

/// <summary>
/// A regular file on the host's disk as the simulated kernel sees it: an inode with a page cache. Mapping it
/// shared gives page cache pages with dirty tracking; <see cref="Writeback"/> writes dirty pages back to the real
/// file. Created with <c>dax: true</c> it models a file on fs-DAX: its pages are ZONE_DEVICE memory with no page
/// cache in front, and FOLL_LONGTERM pins of it are refused.
/// </summary>
public sealed class BackingFile : IDisposable
{
    private readonly SafeFileHandle handle;
    private long length;
    private bool disposed;

    private BackingFile(PhysicalMemory memory, string path, SafeFileHandle handle, bool dax)
    {
        Memory = memory;
        Path = path;
        this.handle = handle;
        IsDax = dax;
        length = RandomAccess.GetLength(handle);
        Cache = new PageCache(memory, this, dax);
    }

    public PhysicalMemory Memory { get; }

    /// <summary>The file's path on the host.</summary>
    public string Path { get; }

    /// <summary>True for a file on fs-DAX.</summary>
    public bool IsDax { get; }

    /// <summary>The file's size in bytes.</summary>
    public long Length => Volatile.Read(ref length);

    internal PageCache Cache { get; }

    /// <summary>Creates (or truncates) a file of <paramref name="length"/> zero bytes.</summary>
    public static BackingFile Create(PhysicalMemory memory, string path, long length, bool dax = false)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        RandomAccess.SetLength(handle, length);
        return new BackingFile(memory, path, handle, dax);
    }

    /// <summary>Opens an existing file.</summary>
    public static BackingFile Open(PhysicalMemory memory, string path, bool dax = false)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new BackingFile(memory, path, handle, dax);
    }

    /// <summary>Reads bytes straight from the disk file, bypassing the page cache: what is really on disk.</summary>
    public byte[] ReadFromDisk(long offset, int count)
    {
        ThrowIfDisposed();
        var buffer = new byte[count];
        var read = RandomAccess.Read(handle, buffer, offset);
        return read == count ? buffer : buffer[..read];
    }

    /// <summary>
    /// Writes the file's dirty pages to disk (<c>filemap_write_and_wait</c>). Each written page is cleaned and
    /// write-protected in every mapping, and the filesystem releases the blocks it reserved for it, so the next
    /// write must fault and notify the filesystem again. See <see cref="WritebackPolicy"/> for pinned pages.
    /// </summary>
    public WritebackResult Writeback(WritebackPolicy policy)
    {
        ThrowIfDisposed();
        var memory = Memory;
        int written = 0, skipped = 0, lost = 0;
        foreach (var (index, pfn) in Cache.Snapshot())
        {
            if (!memory.TestFlag(pfn, PageFlags.Dirty))
            {
                continue;
            }

            memory.LockPage(pfn);
            try
            {
                if (!memory.TestFlag(pfn, PageFlags.Dirty) || Cache.Lookup(index) != pfn)
                {
                    continue;
                }

                if (IsDax)
                {
                    // fs-DAX: the page is the storage; msync only persists it.
                    memory.ClearFlag(pfn, PageFlags.Dirty);
                    WritePage(index, memory.DataStore.Get(pfn));
                    written++;
                    continue;
                }

                // page_mkclean first: from here on a new write pin must fault, and the fault waits for the page lock
                // we hold. A pin taken before this point is visible to the test below.
                ReverseMap.WriteProtectFilePage(Cache, index, pfn);
                if (policy == WritebackPolicy.PinAware && memory.MaybeDmaPinned(pfn))
                {
                    skipped++;
                    memory.VmStat.Increment(VmStatItem.WritebackSkippedPinned);
                    continue;
                }

                if (!memory.TestFlag(pfn, PageFlags.Private))
                {
                    // Dirtied with no write-notify since it was last cleaned: the filesystem has no blocks for it
                    // (ext4's BUG_ON(!PagePrivate(page)), KERNEL.md §1). The data never reaches the disk.
                    memory.ClearFlag(pfn, PageFlags.Dirty);
                    lost++;
                    memory.VmStat.Increment(VmStatItem.WritebackLost);
                    continue;
                }

                memory.ClearFlag(pfn, PageFlags.Dirty);
                WritePage(index, memory.DataStore.Get(pfn));
                memory.ClearFlag(pfn, PageFlags.Private);
                written++;
                memory.VmStat.Increment(VmStatItem.NrWritten);
            }
            finally
            {
                memory.UnlockPage(pfn);
            }
        }

        return new WritebackResult(written, skipped, lost);
    }

    /// <summary>Drops clean, unreferenced pages from the page cache (<c>echo 1 &gt; drop_caches</c>).</summary>
    public int DropCaches()
    {
        ThrowIfDisposed();
        return Cache.DropClean();
    }

    /// <summary>Closes the file: the page cache lets go of its pages (pins keep theirs alive, detached).</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Cache.ReleaseAll();
        handle.Dispose();
    }

    public override string ToString() => $"{Path} ({Length} bytes{(IsDax ? ", fs-dax" : string.Empty)})";

    /// <summary>Reads a page's bytes from disk (zeros past the end); true when anything was read (a major fault).</summary>
    internal bool ReadPage(long index, Span<byte> destination)
    {
        var offset = index * PhysicalMemory.PageSize;
        if (offset >= Length)
        {
            destination.Clear();
            return false;
        }

        var read = RandomAccess.Read(handle, destination, offset);
        destination[read..].Clear();
        return true;
    }

    internal void WritePage(long index, ReadOnlySpan<byte> data)
    {
        var offset = index * PhysicalMemory.PageSize;
        var fileLength = Length;
        if (offset >= fileLength)
        {
            return;
        }

        var count = (int)Math.Min(PhysicalMemory.PageSize, fileLength - offset);
        RandomAccess.Write(handle, data[..count], offset);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);
}
