namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/hw/usnic/usnic_uiom.c, <c>usnic_uiom_get_pages()</c> / <c>usnic_uiom_put_pages()</c> /
/// <c>usnic_uiom_reg_release()</c> as of v5.5, before the series: <c>get_user_pages(…, gup_flags | FOLL_LONGTERM, …)</c>
/// and <c>put_user_pages_dirty_lock(&amp;page, 1, dirty)</c>. The pages are mapped into the VIC's IOMMU domain at their
/// user virtual addresses. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class UsnicUiom : IUserBufferDriver
{
    /// <summary>USNIC_UIOM_PAGE_CHUNK: pages per chunk of the chunk list.</summary>
    private const int PageChunk = (PageMath.PageSize - 64) / 32;

    private readonly List<Page[]> chunkList = [];
    private AddressSpace? owningMm;
    private Iommu? domain;
    private ulong va;
    private long npagesRegistered;
    private bool writable;

    public string Name => "usnic_uiom";

    public string KernelSite => "drivers/infiniband/hw/usnic/usnic_uiom.c: usnic_uiom_get_pages, usnic_uiom_put_pages";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        // usnic_uiom_reg_get()
        writable = true;
        var ret = UsnicUiomGetPages(mm, address, length, writable);
        if (ret != 0)
        {
            return ret;
        }

        // usnic_uiom_map_sorted_intervals(): iommu_map(domain, va, pa, size, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE).
        domain = iommu;
        va = address & PageMath.PageMask;
        var iova = va;
        foreach (var chunk in chunkList)
        {
            ret = iommu.Map(iova, chunk, writable ? Protection.ReadWrite : Protection.Read);
            if (ret != 0)
            {
                iommu.Unmap(va, iova - va);
                UsnicUiomPutPages(dirty: false);
                return ret;
            }

            iova += (ulong)chunk.Length * PageMath.PageSize;
        }

        npagesRegistered = PageMath.NumPages(address, length);
        return 0;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes) => domain!.DeviceWrite(va + (ulong)offset, bytes);

    public int DeviceRead(long offset, Span<byte> destination) => domain!.DeviceRead(va + (ulong)offset, destination);

    /// <summary><c>usnic_uiom_reg_release()</c> → <c>__usnic_uiom_reg_release(pd, uiomr, 1)</c>.</summary>
    public void Release()
    {
        domain?.Unmap(va, (ulong)npagesRegistered * PageMath.PageSize);
        UsnicUiomPutPages(dirty: writable);
        owningMm?.AccountPinnedVm(npagesRegistered, increment: false);
        npagesRegistered = 0;
    }

    private void UsnicUiomPutPages(bool dirty)
    {
        foreach (var chunk in chunkList)
        {
            foreach (var page in chunk)
            {
                Gup.PutUserPagesDirtyLock([page], dirty);
            }
        }

        chunkList.Clear();
    }

    private int UsnicUiomGetPages(AddressSpace mm, ulong addr, ulong size, bool writable)
    {
        // page_list = (struct page **) __get_free_page(GFP_KERNEL)
        var pageList = new Page[PageMath.PageSize / 8];
        var npages = (long)(PageMath.PageAlign(size + (addr & ~PageMath.PageMask)) >> PageMath.PageShift);
        owningMm = mm;
        long ret;
        using (mm.MmapReadLock())
        {
            // locked = atomic64_add_return(npages, &current->mm->pinned_vm); over RLIMIT_MEMLOCK → -ENOMEM. The
            // helper refuses without charging, so there is nothing for "out" to give back.
            ret = mm.AccountPinnedVm(npages, increment: true);
            if (ret != 0)
            {
                return (int)ret;
            }

            var gupFlags = GupFlags.Write | (writable ? GupFlags.None : GupFlags.Force);
            var curBase = addr & PageMath.PageMask;
            ret = 0;
            while (npages > 0)
            {
                // v5.5: gup_flags | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
                ret = Gup.GetUserPages(mm, curBase, Math.Min(npages, pageList.Length), gupFlags | GupFlags.Longterm, pageList);
                if (ret < 0)
                {
                    goto out_;
                }

                npages -= ret;
                var off = 0;
                while (ret > 0)
                {
                    var nents = (int)Math.Min(ret, PageChunk);
                    var chunk = pageList.AsSpan(off, nents).ToArray();
                    curBase += (ulong)nents * PageMath.PageSize;
                    ret -= nents;
                    off += nents;
                    chunkList.Add(chunk);
                }

                ret = 0;
            }

        out_:
            if (ret < 0)
            {
                UsnicUiomPutPages(dirty: false);

                // v5.5 subtracts what is left of npages, not what it charged: pinned_vm keeps the pages that were
                // pinned and released again. The port keeps the kernel's arithmetic.
                mm.AccountPinnedVm(npages, increment: false);
            }
        }

        return (int)ret;
    }
}
