namespace PinApi.Samples.Legacy;

/// <summary>
/// mm/process_vm_access.c, <c>process_vm_rw_single_vec()</c> / <c>process_vm_rw_pages()</c> as of v5.5, before seed #13:
/// <c>get_user_pages_remote(task, mm, pa, pages, flags, process_pages, NULL, &amp;locked)</c>, <c>set_page_dirty_lock()</c>
/// per page inside the copy loop, then a <c>put_page()</c> loop. The "device" is the calling process:
/// process_vm_writev / process_vm_readv copy between its buffer and the target's pages.
/// </summary>
public sealed class ProcessVmAccess : IUserBufferDriver
{
    /// <summary>PVM_MAX_KMALLOC_PAGES / sizeof(struct pages *): pages pinned per loop.</summary>
    private const int MaxPagesPerLoop = PageMath.PageSize * 2 / 8;

    private AddressSpace? target;
    private ulong remoteBase;

    public string Name => "process_vm_access";

    public string KernelSite => "mm/process_vm_access.c: process_vm_rw_single_vec, process_vm_rw_pages";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    /// <summary>Nothing is taken up front: every call gets, copies and puts.</summary>
    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        target = mm;
        remoteBase = address;
        return 0;
    }

    /// <summary>process_vm_writev(): the caller's bytes go into the target's memory.</summary>
    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        var iter = new IovIter(bytes.ToArray());
        return ProcessVmRwSingleVec(remoteBase + (ulong)offset, (ulong)bytes.Length, iter, new Page[MaxPagesPerLoop], target!, vmWrite: true);
    }

    /// <summary>process_vm_readv(): the target's memory is copied into the caller's buffer.</summary>
    public int DeviceRead(long offset, Span<byte> destination)
    {
        var iter = new IovIter(new byte[destination.Length]);
        var rc = ProcessVmRwSingleVec(remoteBase + (ulong)offset, (ulong)destination.Length, iter, new Page[MaxPagesPerLoop], target!, vmWrite: false);
        iter.Buffer.CopyTo(destination);
        return rc;
    }

    public void Release() => target = null;

    /// <summary>"Do the copy for each page".</summary>
    private static int ProcessVmRwPages(Span<Page> pages, int offset, ulong len, IovIter iter, bool vmWrite)
    {
        var index = 0;
        while (len > 0 && iter.Count > 0)
        {
            var page = pages[index++];
            var copy = (ulong)(PageMath.PageSize - offset);
            if (copy > len)
            {
                copy = len;
            }

            int copied;
            if (vmWrite)
            {
                copied = iter.CopyPageFromIter(page, offset, (int)copy);
                Gup.SetPageDirtyLock(page);
            }
            else
            {
                copied = iter.CopyPageToIter(page, offset, (int)copy);
            }

            len -= (ulong)copied;
            if ((ulong)copied < copy && iter.Count > 0)
            {
                return -(int)Errno.EFAULT;
            }

            offset = 0;
        }

        return 0;
    }

    private static int ProcessVmRwSingleVec(ulong addr, ulong len, IovIter iter, Span<Page> processPages, AddressSpace mm, bool vmWrite)
    {
        var pa = addr & PageMath.PageMask;
        var startOffset = (int)(addr - pa);
        var rc = 0;
        var flags = GupFlags.None;

        // "Work out address and page range required"
        if (len == 0)
        {
            return 0;
        }

        var nrPages = (long)(((addr + len - 1) / PageMath.PageSize) - (addr / PageMath.PageSize) + 1);
        if (vmWrite)
        {
            flags |= GupFlags.Write;
        }

        while (rc == 0 && nrPages > 0 && iter.Count > 0)
        {
            var pinnedPages = Math.Min(nrPages, MaxPagesPerLoop);
            var locked = true;

            // "Get the pages we're interested in. We must access remotely because task/mm might not current/current->mm"
            var mmapLock = mm.MmapReadLock();
            pinnedPages = Gup.GetUserPagesRemote(mm, pa, pinnedPages, flags, processPages, ref locked);
            if (locked)
            {
                mmapLock.Dispose();
            }

            if (pinnedPages <= 0)
            {
                return -(int)Errno.EFAULT;
            }

            var bytes = ((ulong)pinnedPages * PageMath.PageSize) - (ulong)startOffset;
            if (bytes > len)
            {
                bytes = len;
            }

            rc = ProcessVmRwPages(processPages, startOffset, bytes, iter, vmWrite);
            len -= bytes;
            startOffset = 0;
            nrPages -= pinnedPages;
            pa += (ulong)pinnedPages * PageMath.PageSize;

            while (pinnedPages > 0)
            {
                Gup.PutPage(processPages[(int)--pinnedPages]);
            }
        }

        return rc;
    }

    /// <summary>The caller's side of the copy (<c>struct iov_iter</c> over one buffer).</summary>
    private sealed class IovIter(byte[] buffer)
    {
        private int position;

        public byte[] Buffer { get; } = buffer;

        public int Count => Buffer.Length - position;

        /// <summary><c>copy_page_from_iter()</c>: into the page.</summary>
        public int CopyPageFromIter(Page page, int offset, int bytes)
        {
            var n = Math.Min(bytes, Count);
            Buffer.AsSpan(position, n).CopyTo(page.Data[offset..]);
            position += n;
            return n;
        }

        /// <summary><c>copy_page_to_iter()</c>: out of the page.</summary>
        public int CopyPageToIter(Page page, int offset, int bytes)
        {
            var n = Math.Min(bytes, Count);
            page.Data.Slice(offset, n).CopyTo(Buffer.AsSpan(position));
            position += n;
            return n;
        }
    }
}
