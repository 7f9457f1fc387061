namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/hw/mthca/mthca_memfree.c, <c>mthca_map_user_db()</c> / <c>mthca_cleanup_user_db_tab()</c> as of
/// v5.5, before the series: <c>get_user_pages_fast(uaddr &amp; PAGE_MASK, 1, FOLL_WRITE | FOLL_LONGTERM, pages)</c> and
/// <c>put_user_page()</c>. Each user doorbell page is taken once, mapped PCI_DMA_TODEVICE and refcounted per doorbell
/// record. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class MthcaMemfree : IUserBufferDriver
{
    /// <summary>MTHCA_DB_REC_PER_PAGE: 8-byte doorbell records per 4 KiB page.</summary>
    private const int DbRecPerPage = PageMath.PageSize / 8;

    private readonly DbPage[] dbTab = new DbPage[64];
    private int mappedPages;

    public string Name => "mthca_memfree";

    public string KernelSite => "drivers/infiniband/hw/mthca/mthca_memfree.c: mthca_map_user_db, mthca_cleanup_user_db_tab";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

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

        // v5.5: FOLL_WRITE | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
        var ret = Gup.GetUserPagesFast(mm, uaddr & PageMath.PageMask, 1, GupFlags.Write | GupFlags.Longterm, pages);
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

    /// <summary><c>mthca_cleanup_user_db_tab()</c>: UNMAP_ICM, pci_unmap_sg, <c>put_user_page()</c>.</summary>
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
            Gup.PutUserPage(db.Page);
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
