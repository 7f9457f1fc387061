namespace PinApi.Samples.Drivers;

/// <summary>
/// drivers/infiniband/hw/mthca/mthca_memfree.c, <c>mthca_map_user_db()</c> / <c>mthca_cleanup_user_db_tab()</c> as of
/// v5.6 (seed #12: <c>pin_user_pages_fast(uaddr &amp; PAGE_MASK, 1, FOLL_WRITE | FOLL_LONGTERM, pages)</c>). Each user
/// doorbell page is pinned once, mapped PCI_DMA_TODEVICE and refcounted per doorbell record.
/// </summary>
public sealed class MthcaMemfree : IUserBufferDriver
{
    /// <summary>MTHCA_DB_REC_PER_PAGE: 8-byte doorbell records per 4 KiB page.</summary>
    private const int DbRecPerPage = PageMath.PageSize / 8;

    private readonly DbPage[] dbTab = new DbPage[64];
    private int mappedPages;

    public string Name => "mthca_memfree";

    public string KernelSite => "drivers/infiniband/hw/mthca/mthca_memfree.c: mthca_map_user_db, mthca_cleanup_user_db_tab";

    /// <summary>The HCA only reads doorbell records (PCI_DMA_TODEVICE).</summary>
    public bool DeviceWritesMemory => false;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        var npages = (int)PageMath.NumPages(address, length);
        for (var i = 0; i < npages; i++)
        {
            var ret = MthcaMapUserDb(mm, dma, i * DbRecPerPage, address + ((ulong)i * PageMath.PageSize));
            if (ret != 0)
            {
                MthcaCleanupUserDbTab();
                return ret;
            }
        }

        mappedPages = npages;
        return 0;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes) => -(int)Errno.EPERM;

    /// <summary>The HCA reads doorbell records through each page's own mapping.</summary>
    public int DeviceRead(long offset, Span<byte> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var at = offset + done;
            var index = (int)(at / PageMath.PageSize);
            if (index >= mappedPages || dbTab[index].Mem is not { } mem)
            {
                return -(int)Errno.EFAULT;
            }

            var inPage = (int)Math.Min(destination.Length - done, PageMath.PageSize - (at % PageMath.PageSize));
            mem.DeviceRead(at % PageMath.PageSize, destination.Slice(done, inPage));
            done += inPage;
        }

        return 0;
    }

    public void Release() => MthcaCleanupUserDbTab();

    private int MthcaMapUserDb(AddressSpace mm, DmaDevice dma, int index, ulong uaddr)
    {
        Span<Page> pages = new Page[1];
        if (index < 0 || index / DbRecPerPage >= dbTab.Length)
        {
            return -(int)Errno.EINVAL;
        }

        var i = index / DbRecPerPage;
        ref var db = ref dbTab[i];
        if (db.RefCount >= DbRecPerPage || (db.Uvirt != 0 && db.Uvirt != uaddr) || (uaddr & 4095) != 0)
        {
            return -(int)Errno.EINVAL;
        }

        if (db.RefCount > 0)
        {
            ++db.RefCount;
            return 0;
        }

        var ret = Gup.PinUserPagesFast(mm, uaddr & PageMath.PageMask, 1, GupFlags.Write | GupFlags.Longterm, pages);
        if (ret < 0)
        {
            return ret;
        }

        // sg_set_page() + pci_map_sg(…, PCI_DMA_TODEVICE)
        db.Page = pages[0];
        db.Mem = dma.MapPages(pages[..1]);
        db.Uvirt = uaddr;
        db.RefCount = 1;
        return 0;
    }

    /// <summary>
    /// <c>mthca_cleanup_user_db_tab()</c>. v5.6 releases with a plain <c>unpin_user_page()</c>: a FOLL_WRITE pin given
    /// back clean, which PIN0101 reports. The doorbell pages are anonymous and the HCA never writes them, so
    /// dirtying on release costs nothing and keeps this port free of diagnostics (see samples/Drivers/README.md).
    /// </summary>
    private void MthcaCleanupUserDbTab()
    {
        for (var i = 0; i < dbTab.Length; i++)
        {
            ref var db = ref dbTab[i];
            if (db.Uvirt == 0)
            {
                continue;
            }

            db.Mem?.Unmap();
            Gup.UnpinUserPagesDirtyLock([db.Page], makeDirty: true);
            db = default;
        }

        mappedPages = 0;
    }

    /// <summary>One <c>struct mthca_user_db_table</c> page entry.</summary>
    private struct DbPage
    {
        public Page Page;
        public DmaMapping? Mem;
        public ulong Uvirt;
        public int RefCount;
    }
}
