namespace PinApi.Tests;

/// <summary>A small simulated machine with one address space, disposed with the test.</summary>
internal sealed class Machine : IDisposable
{
    private readonly List<string> files = [];

    public Machine(long normalPages = 4096, long movablePages = 0, long cmaPages = 0, int hugePages = 0, long devicePages = 64)
    {
        Memory = new PhysicalMemory(normalPages, movablePages, cmaPages, hugePages, devicePages);
        Mm = new AddressSpace(Memory);
    }

    public PhysicalMemory Memory { get; }

    public AddressSpace Mm { get; }

    public static int Page => PhysicalMemory.PageSize;

    /// <summary>Anonymous private read-write memory of <paramref name="pages"/> pages, touched (faulted in) when asked.</summary>
    public ulong Anon(int pages, bool touch = true)
    {
        var address = Mm.Mmap((ulong)(pages * Page), Protection.ReadWrite, VmaKind.AnonymousPrivate);
        if (touch)
        {
            Assert.Equal(0, Mm.Fill(address, pages * Page, 0x11));
        }

        return address;
    }

    /// <summary>A real file of <paramref name="pages"/> pages, each filled with its index byte, in the temp folder.</summary>
    public BackingFile File(int pages, bool dax = false)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pinapi-{Guid.NewGuid():N}.bin");
        files.Add(path);
        var content = new byte[pages * Page];
        for (var i = 0; i < pages; i++)
        {
            content.AsSpan(i * Page, Page).Fill((byte)(i + 1));
        }

        System.IO.File.WriteAllBytes(path, content);
        return BackingFile.Open(Memory, path, dax);
    }

    public long Pin(ulong address, int pages, GupFlags flags, Page[] into)
    {
        using var _ = Mm.MmapReadLock();
        return Gup.PinUserPages(Mm, address, pages, flags, into);
    }

    public long Get(ulong address, int pages, GupFlags flags, Page[] into)
    {
        using var _ = Mm.MmapReadLock();
        return Gup.GetUserPages(Mm, address, pages, flags, into);
    }

    public void Dispose()
    {
        Mm.Dispose();
        Memory.Dispose();
        foreach (var file in files)
        {
            try
            {
                System.IO.File.Delete(file);
            }
            catch (IOException)
            {
                // A file still open by a test that failed: the temp folder cleaner gets it.
            }
        }
    }
}
