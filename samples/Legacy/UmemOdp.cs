using PinApi.Contracts;
namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/core/umem_odp.c, <c>ib_umem_odp_map_dma_pages()</c> / <c>ib_umem_odp_map_dma_single_page()</c> /
/// <c>ib_umem_odp_unmap_dma_pages()</c> as of v5.5, before the series. On-demand paging is "Case 3": FOLL_GET lookups
/// whose reference is dropped at once. The 2019 placeholder conversion had switched its releases to
/// <c>put_user_page()</c> / <c>put_user_pages()</c>, harmless while they were put_page, a mismatch once they unpin: seed
/// #12 reverted them to <c>put_page()</c> / <c>release_pages()</c>.
/// </summary>
public sealed class UmemOdp : IUserBufferDriver
{
    private AddressSpace? owningMm;
    private ulong umemStart;
    private Page[] pageList = [];
    private bool[] writeAllowed = [];
    private long npagesMapped;

    public string Name => "umem_odp";

    public string KernelSite => "drivers/infiniband/core/umem_odp.c: ib_umem_odp_map_dma_pages, ib_umem_odp_unmap_dma_pages";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        // ib_umem_odp_get(): the umem only describes the range; nothing is pinned.
        owningMm = mm;
        umemStart = address & PageMath.PageMask;
        var npages = PageMath.NumPages(address, length);
        pageList = new Page[npages];
        writeAllowed = new bool[npages];

        // The HCA's first access faults the whole range in (ib_umem_odp_map_dma_pages from the page-fault handler).
        var ret = IbUmemOdpMapDmaPages(address, length, writeAccess: true);
        return ret < 0 ? (int)ret : (ret == npages ? 0 : -(int)Errno.EFAULT);
    }

    /// <summary>
    /// An ODP HCA translates through the process's page tables and faults like a CPU, so its stores reach the pages
    /// the page tables hold now; the simulation's nearest equivalent is a store through the address space.
    /// </summary>
    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes) => owningMm!.Write(umemStart + (ulong)offset, bytes);

    public int DeviceRead(long offset, Span<byte> destination) => owningMm!.Read(umemStart + (ulong)offset, destination);

    public void Release() => IbUmemOdpUnmapDmaPages(umemStart, umemStart + ((ulong)pageList.Length * PageMath.PageSize));

    private long IbUmemOdpMapDmaPages(ulong userVirt, ulong bcnt, bool writeAccess)
    {
        // local_page_list = (struct page **)__get_free_page(GFP_KERNEL): one page of pointers, reused by every pass.
        var localPageList = new Page[PageMath.PageSize / 8];
        var off = userVirt & ~PageMath.PageMask;
        userVirt &= PageMath.PageMask;
        bcnt += off;
        var flags = writeAccess ? GupFlags.Write : GupFlags.None;
        var startIdx = (long)((userVirt - umemStart) >> PageMath.PageShift);
        var k = startIdx;
        long npages = 0;
        long ret = 0;
        while (bcnt > 0)
        {
            var gupNumPages = (long)Math.Min(PageMath.PageAlign(bcnt) / PageMath.PageSize, (ulong)localPageList.Length);
            using (owningMm!.MmapReadLock())
            {
                npages = Gup.GetUserPagesRemote(owningMm, userVirt, gupNumPages, flags, localPageList);
            }

            if (npages < 0)
            {
                break;
            }

            bcnt -= Math.Min((ulong)npages << PageMath.PageShift, bcnt);
            ret = IbUmemOdpMapDmaBatch(ref k, ref userVirt, localPageList.AsSpan(0, (int)npages), writeAccess);
            if (ret < 0)
            {
                break;
            }
        }

        if (ret >= 0)
        {
            ret = npages < 0 && k == startIdx ? npages : k - startIdx;
        }

        return ret;
    }

    /// <summary>
    /// The inner loop of <c>ib_umem_odp_map_dma_pages()</c> (under umem_mutex), given one pass's pages: map each, and
    /// on the first failure put the pages after it.
    /// </summary>
    // Every page of the batch is released here (by the single-page helper, or by the error path), with the
    // seed-era put_user_page*(): declared, so the analysis follows the pages across the call.
    [Releases(PageRef.Pin, Pages = "localPageList")]
    private long IbUmemOdpMapDmaBatch(ref long k, ref ulong userVirt, Span<Page> localPageList, bool writeAccess)
    {
        long ret = 0;
        int j;
        for (j = 0; j < localPageList.Length; j++, userVirt += PageMath.PageSize)
        {
            ret = IbUmemOdpMapDmaSinglePage(k, localPageList[j], writeAccess);
            if (ret < 0)
            {
                break;
            }

            k++;
        }

        if (ret < 0)
        {
            // "Release left over pages when handling errors. Stop the loop on the first failed page."
                if (localPageList.Length - (j + 1) > 0)
                {
                    Gup.PutUserPages(localPageList[(j + 1)..]);
                }
        }

        return ret;
    }

    /// <summary>Records the page's DMA address, then drops the GUP reference: "On Demand Paging - avoid pinning the page".</summary>
    [Releases(PageRef.Pin, Pages = "page")]
    private long IbUmemOdpMapDmaSinglePage(long pageIndex, Page page, bool writeAccess)
    {
        long ret = 0;
        if (pageList[pageIndex].IsNull)
        {
            pageList[pageIndex] = page;
            writeAllowed[pageIndex] = writeAccess;
            npagesMapped++;
        }
        else if (pageList[pageIndex] == page)
        {
            writeAllowed[pageIndex] |= writeAccess;
        }
        else
        {
            // "got different pages in IB device and from get_user_pages": the notifier path removes the mapping.
            ret = -(int)Errno.EAGAIN;
        }

        Gup.PutUserPage(page);
        return ret;
    }

    private void IbUmemOdpUnmapDmaPages(ulong virt, ulong bound)
    {
        for (var addr = virt; addr < bound; addr += PageMath.PageSize)
        {
            var idx = (long)((addr - umemStart) >> PageMath.PageShift);
            var page = pageList[idx];
            if (page.IsNull)
            {
                continue;
            }

            if (writeAllowed[idx])
            {
                // "set_page_dirty prefers being called with the page lock held. However, MMU notifiers are called
                // sometimes with and sometimes without the lock."
                Gup.SetPageDirty(page.CompoundHead);
            }

            pageList[idx] = default;
            writeAllowed[idx] = false;
            npagesMapped--;
        }
    }
}
