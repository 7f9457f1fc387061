namespace PinApi.Samples.PageHinting;

/// <summary>
/// The KVM half of "page hinting add passthrough support" (weiqi, seed 001, PATCH 2/2): <c>KVM_DISCARD_RANGE</c>
/// (<c>kvm_vm_ioctl_discard_range()</c>) and the re-map on the next EPT fault (x86 <c>tdp_page_fault()</c> →
/// <c>kvm_vfio_mmap_range()</c> → <c>vfio_mmap_pages()</c>). One memslot: guest physical 0 is host virtual
/// <see cref="HvaBase"/>; one kvm-vfio device, whose container is <see cref="Vfio"/>.
/// </summary>
public sealed class KvmMmu(AddressSpace qemu, ulong hvaBase, VfioIommuType1 vfio)
{
    private const ulong HostPageSize = PhysicalMemory.HugePageSize;
    private readonly Dictionary<ulong, long> ept = [];

    public AddressSpace Qemu { get; } = qemu;

    public ulong HvaBase { get; } = hvaBase;

    public VfioIommuType1 Vfio { get; } = vfio;

    /// <summary>A read-only memslot maps for the device without IOMMU_WRITE.</summary>
    public bool MemslotReadOnly { get; init; }

    /// <summary>True when the guest page at <paramref name="gpa"/> has an EPT entry.</summary>
    public bool IsMapped(ulong gpa) => ept.ContainsKey(gpa & ~(HostPageSize - 1));

    /// <summary>
    /// <c>kvm_vm_ioctl_discard_range()</c>: step through the range by host page size while GFN and HVA stay aligned;
    /// where the range lies in a vfio_dma, punch it out of the IOMMU and unpin it (<c>vfio_munmap_pages()</c>).
    /// </summary>
    public int DiscardRange(KvmDiscardMsg msg)
    {
        var gpa = msg.InAddr;
        var hva = msg.IovBase;
        var len = msg.IovLen;
        while (len >= HostPageSize && gpa % HostPageSize == 0 && hva % HostPageSize == 0)
        {
            var gfn = gpa >> PhysicalMemory.PageShift;
            var npages = VfioHintingHooks.VfioDmaFind(Vfio, gfn, PhysicalMemory.HugePageFrames, out var oldPfn);
            if (npages > 0 && oldPfn != 0)
            {
                var rc = VfioHintingHooks.VfioMunmapPages(Vfio, gfn, HostPageSize);
                if (rc != 0)
                {
                    return rc;
                }
            }

            // QEMU's discard already zapped the host PTEs; the MMU notifier drops the EPT entry.
            ept.Remove(gpa);
            gpa += HostPageSize;
            hva += HostPageSize;
            len -= HostPageSize;
        }

        return 0;
    }

    /// <summary>
    /// The series' fault path, ported as it is, flaw included. <c>hva_to_pfn()</c> takes a FOLL_GET reference, the
    /// new pfn is installed in the IOMMU by <c>vfio_mmap_pages()</c> → <c>vfio_iommu_map()</c>, and
    /// <c>kvm_release_pfn_clean()</c> then drops the reference: the device keeps a mapping of a page nobody pins.
    /// The three steps are inlined here so the hand-off is visible in one method.
    /// </summary>
    public int TdpPageFault(ulong gpa)
    {
        var block = gpa & ~(HostPageSize - 1);
        var hva = HvaBase + block;
        var pages = new Page[PhysicalMemory.HugePageFrames];

        // hva_to_pfn(): get_user_pages_fast(FOLL_WRITE) faults the hugetlb page in; every subpage of the folio is
        // taken so that vfio_iommu_map() below has each of them.
        var got = Gup.GetUserPagesFast(Qemu, hva, pages.Length, MemslotReadOnly ? GupFlags.None : GupFlags.Write, pages);
        if (got != pages.Length)
        {
            for (var i = 0; i < got; i++)
            {
                Gup.PutPage(pages[i]);
            }

            return got < 0 ? got : -(int)Errno.EFAULT;
        }

        ept[block] = pages[0].Pfn;

        // kvm_vfio_mmap_range() (2 MiB hugetlb only): vfio_dma_find(), then vfio_mmap_pages() if the pfn changed.
        var gfn = block >> PhysicalMemory.PageShift;
        var npage = VfioHintingHooks.VfioDmaFind(Vfio, gfn, pages.Length, out var oldPfn);
        if (npage > 0 && pages[0].Pfn != oldPfn)
        {
            var prot = MemslotReadOnly ? Protection.Read : Protection.ReadWrite;
            var dma = Vfio.FindDma(block, HostPageSize)!;
            if (oldPfn != 0)
            {
                // "unmap and unpin the old pfn (accounting false)"
                var unmapped = Vfio.Domain!.Unmap(block, HostPageSize);
                Vfio.VfioUnpinPagesRemote(dma, block, oldPfn, (long)(unmapped >> PhysicalMemory.PageShift), doAccounting: false);
            }

            // vfio_iommu_map(iommu, iova, pfn, npages, prot): THE FLAW. These pages carry only the fault handler's
            // FOLL_GET references, which are dropped just below. PinApi's analyzers report this call (PIN0205:
            // FOLL_GET references handed to Iommu.Map's [RequiresPin] parameter).
            Vfio.Domain!.Map(block, pages, prot);
        }

        // kvm_release_pfn_clean()
        for (var i = 0; i < pages.Length; i++)
        {
            Gup.PutPage(pages[i]);
        }

        return 0;
    }

    /// <summary>
    /// The corrected fault path: KVM's own lookup stays a short FOLL_GET (the EPT is kept coherent by MMU
    /// notifiers), but the device mapping goes through VFIO's pin path, <c>vfio_pin_pages_remote()</c> →
    /// <c>vaddr_get_pfn()</c> → <c>pin_user_pages_remote(…, FOLL_LONGTERM | FOLL_WRITE)</c>, with locked_vm accounting,
    /// so the later <c>vfio_munmap_pages()</c> unpins exactly what was pinned.
    /// </summary>
    public int TdpPageFaultRepinned(ulong gpa)
    {
        var block = gpa & ~(HostPageSize - 1);
        var hva = HvaBase + block;
        Span<Page> page = new Page[1];
        var got = Gup.GetUserPagesFast(Qemu, hva, 1, MemslotReadOnly ? GupFlags.None : GupFlags.Write, page);
        if (got != 1)
        {
            return got < 0 ? got : -(int)Errno.EFAULT;
        }

        var pfn = page[0].CompoundHead.Pfn;
        ept[block] = pfn;
        Gup.PutPage(page[0]);

        var gfn = block >> PhysicalMemory.PageShift;
        var npage = VfioHintingHooks.VfioDmaFind(Vfio, gfn, PhysicalMemory.HugePageFrames, out var oldPfn);
        if (npage > 0 && pfn != oldPfn)
        {
            var dma = Vfio.FindDma(block, HostPageSize)!;
            if (oldPfn != 0)
            {
                VfioHintingHooks.VfioMunmapPages(Vfio, gfn, HostPageSize);
            }

            var limit = Qemu.RlimitMemlock == ulong.MaxValue ? long.MaxValue : (long)(Qemu.RlimitMemlock >> PhysicalMemory.PageShift);
            var pinned = Vfio.VfioPinPagesRemote(dma, hva, PhysicalMemory.HugePageFrames, out var pfnBase, limit);
            if (pinned <= 0)
            {
                return (int)pinned;
            }

            var rc = Vfio.VfioIommuMap(block, pfnBase, pinned, dma.Prot);
            if (rc != 0)
            {
                Vfio.VfioUnpinPagesRemote(dma, block, pfnBase, pinned, doAccounting: true);
                return rc;
            }
        }

        return 0;
    }
}
