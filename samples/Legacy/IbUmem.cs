namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/core/umem.c, <c>ib_umem_get()</c> / <c>ib_umem_release()</c> / <c>__ib_umem_release()</c> as of
/// v5.5, before the series: <c>get_user_pages(…, gup_flags | FOLL_LONGTERM, page_list, NULL)</c> under mmap_sem, released
/// with the 2019 placeholder <c>put_user_pages_dirty_lock()</c> (a plain put_page at the time). The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class IbUmem : IUserBufferDriver
{
    /// <summary>PAGE_SIZE / sizeof(struct page *): the page_list chunk one call fills.</summary>
    private const int PagesPerCall = PageMath.PageSize / 8;

    private readonly bool writable;
    private AddressSpace? owningMm;
    private Page[] pageList = [];
    private long npagesPinned;
    private long accounted;
    private DmaMapping? sg;

    public IbUmem(bool writable = true) => this.writable = writable;

    public string Name => "ib_umem";

    public string KernelSite => "drivers/infiniband/core/umem.c: ib_umem_get, ib_umem_release";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => writable;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        // "If the combination of the addr and size requested for this memory region causes an integer overflow,
        // return error."
        if (address + length < address || PageMath.PageAlign(address + length) < address + length)
        {
            return -(int)Errno.EINVAL;
        }

        owningMm = mm;
        var npages = PageMath.NumPages(address, length);
        if (npages == 0 || npages > int.MaxValue)
        {
            return -(int)Errno.EINVAL;
        }

        // new_pinned = atomic64_add_return(npages, &mm->pinned_vm); over RLIMIT_MEMLOCK → -ENOMEM.
        var ret = mm.AccountPinnedVm(npages, increment: true);
        if (ret != 0)
        {
            return ret;
        }

        accounted = npages;
        var gupFlags = GupFlags.Write;
        if (!writable)
        {
            gupFlags |= GupFlags.Force;
        }

        pageList = new Page[npages];
        var curBase = address & PageMath.PageMask;
        while (npages > 0)
        {
            long got;
            using (mm.MmapReadLock())
            {
                // v5.5: gup_flags | FOLL_LONGTERM (restored; allowed on a seed-era machine, PIN0201).
                got = Gup.GetUserPages(mm, curBase, Math.Min(npages, PagesPerCall), gupFlags | GupFlags.Longterm, pageList.AsSpan((int)npagesPinned));
            }

            if (got < 0)
            {
                ret = (int)got;
                goto umem_release;
            }

            // ib_umem_add_sg_table(): the pages just pinned join the scatterlist.
            npagesPinned += got;
            curBase += (ulong)got * PageMath.PageSize;
            npages -= got;
        }

        // ib_dma_map_sg_attrs()
        sg = dma.MapPages(pageList);
        return 0;

    umem_release:
        IbUmemRelease(dirty: false);
        return ret;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        sg!.DeviceWrite(offset, bytes);
        return 0;
    }

    public int DeviceRead(long offset, Span<byte> destination)
    {
        sg!.DeviceRead(offset, destination);
        return 0;
    }

    /// <summary><c>ib_umem_release()</c>: the pages were written by the HCA, so they are released dirty.</summary>
    public void Release() => IbUmemRelease(dirty: true);

    /// <summary><c>__ib_umem_release()</c> plus the <c>pinned_vm</c> uncharge of <c>ib_umem_release()</c>.</summary>
    private void IbUmemRelease(bool dirty)
    {
        if (sg is not null)
        {
            sg.Unmap();
            sg = null;
        }

        // for_each_sg_page(): put_user_pages_dirty_lock(&page, 1, umem->writable && dirty)
        for (var i = 0; i < npagesPinned; i++)
        {
            Gup.PutUserPagesDirtyLock(pageList.AsSpan(i, 1), writable && dirty);
        }

        npagesPinned = 0;
        pageList = [];
        owningMm?.AccountPinnedVm(accounted, increment: false);
        accounted = 0;
    }
}
