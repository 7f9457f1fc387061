namespace PinApi.Samples.PageHinting;

/// <summary>
/// The <c>vfio_iommu_driver_ops</c> hooks the page-hinting series adds to drivers/vfio/vfio_iommu_type1.c, exported
/// as <c>vfio_dma_find()</c> and <c>vfio_munmap_pages()</c>; all require a v2 container (-EACCES otherwise). The third
/// hook, <c>vfio_mmap_pages()</c>, is inlined into <see cref="KvmMmu"/>'s fault path, where its flaw shows.
/// </summary>
public static class VfioHintingHooks
{
    /// <summary>
    /// <c>vfio_dma_find()</c>: <paramref name="npages"/> when [gfn, gfn + npages) lies inside one vfio_dma, 0 otherwise;
    /// <paramref name="oldPfn"/> is what the IOMMU translates the first page to now (0 for a hole).
    /// </summary>
    public static long VfioDmaFind(VfioIommuType1 iommu, ulong gfn, long npages, out long oldPfn)
    {
        oldPfn = 0;
        if (!iommu.V2)
        {
            return -(int)Errno.EACCES;
        }

        var iova = gfn << PhysicalMemory.PageShift;
        var size = (ulong)npages << PhysicalMemory.PageShift;
        var dma = iommu.FindDma(iova, size);
        if (dma is null || iova < dma.Iova || iova + size > dma.Iova + dma.Size)
        {
            return 0;
        }

        if (iommu.Domain!.TryTranslate(iova, out var phys, out _))
        {
            oldPfn = phys.Pfn;
        }

        return npages;
    }

    /// <summary>
    /// <c>vfio_munmap_pages()</c>: punch the range out of the IOMMU and unpin what was mapped there, with accounting
    /// (<c>iommu_unmap()</c> + <c>vfio_unpin_pages_remote(dma, iova, phys &gt;&gt; PAGE_SHIFT, unmapped &gt;&gt; PAGE_SHIFT, true)</c>).
    /// </summary>
    public static int VfioMunmapPages(VfioIommuType1 iommu, ulong gfn, ulong size)
    {
        if (!iommu.V2)
        {
            return -(int)Errno.EACCES;
        }

        var iova = gfn << PhysicalMemory.PageShift;
        var dma = iommu.FindDma(iova, size);
        if (dma is null || !iommu.Domain!.TryTranslate(iova, out var phys, out _))
        {
            return -(int)Errno.EINVAL;
        }

        var unmapped = iommu.Domain.Unmap(iova, size);
        iommu.VfioUnpinPagesRemote(dma, iova, phys.Pfn, (long)(unmapped >> PhysicalMemory.PageShift), doAccounting: true);
        return 0;
    }
}
