namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/platform/goldfish/goldfish_pipe.c, <c>pin_user_pages()</c> (the driver's own static helper, which seed #5
/// renamed to <c>goldfish_pin_pages()</c> so it would not clash with the new global) / <c>release_user_pages()</c> /
/// <c>transfer_max_buffers()</c> as of v5.5: <c>get_user_pages_fast()</c>, then <c>set_page_dirty()</c> (no page lock)
/// + <c>put_page()</c>.
/// The "device" is the emulator on the other end of the pipe, which reads and writes the pinned guest pages.
/// </summary>
public sealed class GoldfishPipe : IUserBufferDriver
{
    /// <summary>MAX_BUFFERS_PER_COMMAND.</summary>
    private const int MaxBuffersPerCommand = 336;

    private readonly Page[] pipePages = new Page[MaxBuffersPerCommand];
    private readonly Lock pipeLock = new();
    private AddressSpace? mm;
    private DmaDevice? host;
    private ulong buffer;
    private byte[] hostData = [];
    private int hostPosition;

    public string Name => "goldfish_pipe";

    public string KernelSite => "drivers/platform/goldfish/goldfish_pipe.c: goldfish_pin_pages, transfer_max_buffers";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    /// <summary>open(): nothing is pinned until a read or write.</summary>
    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        this.mm = mm;
        host = dma;
        buffer = address;
        return 0;
    }

    /// <summary>The emulator has <paramref name="bytes"/> queued; the guest read()s them into its buffer.</summary>
    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        hostData = bytes.ToArray();
        hostPosition = 0;
        var count = GoldfishPipeReadWrite(buffer + (ulong)offset, (ulong)bytes.Length, isWrite: false);
        return count == bytes.Length ? 0 : (count < 0 ? (int)count : -(int)Errno.EIO);
    }

    /// <summary>The guest write()s its buffer into the pipe; the emulator receives the bytes.</summary>
    public int DeviceRead(long offset, Span<byte> destination)
    {
        hostData = new byte[destination.Length];
        hostPosition = 0;
        var count = GoldfishPipeReadWrite(buffer + (ulong)offset, (ulong)destination.Length, isWrite: true);
        hostData.CopyTo(destination);
        return count == destination.Length ? 0 : (count < 0 ? (int)count : -(int)Errno.EIO);
    }

    public void Release() => mm = null;

    private static int PinUserPages(AddressSpace mm, ulong firstPage, ulong lastPage, uint lastPageSize, bool isWrite, Span<Page> pages, out uint iterLastPageSize)
    {
        var requestedPages = (int)((lastPage - firstPage) >> PageMath.PageShift) + 1;
        if (requestedPages > MaxBuffersPerCommand)
        {
            requestedPages = MaxBuffersPerCommand;
            iterLastPageSize = PageMath.PageSize;
        }
        else
        {
            iterLastPageSize = lastPageSize;
        }

        var ret = Gup.GetUserPagesFast(mm, firstPage, requestedPages, !isWrite ? GupFlags.Write : GupFlags.None, pages);
        if (ret <= 0)
        {
            return -(int)Errno.EFAULT;
        }

        if (ret < requestedPages)
        {
            iterLastPageSize = PageMath.PageSize;
        }

        return ret;
    }

    private static void ReleaseUserPages(Page[] pages, int pagesCount, bool isWrite, int consumedSize)
    {
        for (var i = 0; i < pagesCount; i++)
        {
            if (!isWrite && consumedSize > 0)
            {
                Gup.SetPageDirty(pages[i]);
            }

            Gup.PutPage(pages[i]);
        }
    }

    private long GoldfishPipeReadWrite(ulong address, ulong bufflen, bool isWrite)
    {
        long count = 0;
        long ret = -(int)Errno.EINVAL;

        // "Null reads or writes succeeds"
        if (bufflen == 0)
        {
            return 0;
        }

        var addressEnd = address + bufflen;
        var lastPage = (addressEnd - 1) & PageMath.PageMask;
        var lastPageSize = (uint)(((addressEnd - 1) & ~PageMath.PageMask) + 1);
        while (address < addressEnd)
        {
            ret = TransferMaxBuffers(address, addressEnd, isWrite, lastPage, lastPageSize, out var consumedSize, out var status);
            if (ret < 0)
            {
                break;
            }

            if (consumedSize > 0)
            {
                // "No matter what's the status, we've transferred something."
                count += consumedSize;
                address += (ulong)consumedSize;
            }

            if (status > 0)
            {
                continue;
            }

            // status == 0: EOF (the emulator has nothing more); the sample's emulator never reports errors.
            ret = 0;
            break;
        }

        return count > 0 ? count : ret;
    }

    private int TransferMaxBuffers(ulong address, ulong addressEnd, bool isWrite, ulong lastPage, uint lastPageSize, out int consumedSize, out int status)
    {
        var firstPage = address & PageMath.PageMask;
        consumedSize = 0;
        status = 0;

        // "Serialize access to the pipe command buffers"
        lock (pipeLock)
        {
            var pagesCount = PinUserPages(mm!, firstPage, lastPage, lastPageSize, isWrite, pipePages, out var iterLastPageSize);
            if (pagesCount < 0)
            {
                return pagesCount;
            }

            // populate_rw_params() + goldfish_pipe_cmd_locked(pipe, is_write ? PIPE_CMD_WRITE : PIPE_CMD_READ)
            var firstOffset = (int)(address - firstPage);
            var span = (pagesCount - 1) * PageMath.PageSize + (int)iterLastPageSize - firstOffset;
            span = (int)Math.Min((ulong)span, addressEnd - address);
            var mapping = host!.MapPages(pipePages.AsSpan(0, pagesCount));
            if (isWrite)
            {
                var n = Math.Min(span, hostData.Length - hostPosition);
                mapping.DeviceRead(firstOffset, hostData.AsSpan(hostPosition, n));
                hostPosition += n;
                consumedSize = n;
            }
            else
            {
                var n = Math.Min(span, hostData.Length - hostPosition);
                mapping.DeviceWrite(firstOffset, hostData.AsSpan(hostPosition, n));
                hostPosition += n;
                consumedSize = n;
            }

            mapping.Unmap();
            status = consumedSize > 0 ? 1 : 0;
            ReleaseUserPages(pipePages, pagesCount, isWrite, consumedSize);
        }

        return 0;
    }
}
