using PinApi.Contracts;

namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/vfio/vfio_iommu_type1.c as of v5.5, before seed #7 ("vfio: fix FOLL_LONGTERM use, simplify
/// get_user_pages_remote() call") and #19: <c>vaddr_get_pfn()</c> uses <c>get_user_pages(…, flags | FOLL_LONGTERM, …)</c>
/// when <c>mm == current-&gt;mm</c> and <c>get_user_pages_remote()</c> <em>without</em> FOLL_LONGTERM otherwise (the bug
/// #7 fixed), with its own fs-dax check; <c>put_pfn()</c> is <c>SetPageDirty()</c> + <c>put_page()</c>. The local
/// branch keeps FOLL_LONGTERM as the kernel had it: it works on a seed-era machine (<see cref="VfioType1.Semantics"/>),
/// is -EINVAL under mainline rules, and is what PIN0201 reports at build time (samples/Legacy/README.md).
/// </summary>
public sealed class VfioIommuType1
{
    /// <summary>VFIO_PIN_PAGES_MAX_ENTRIES = PAGE_SIZE / sizeof(unsigned long).</summary>
    public const int VfioPinPagesMaxEntries = PageMath.PageSize / 8;

    private readonly List<VfioDma> dmaList = [];
    private int dmaAvail = 65535;

    /// <param name="current">The mm of the task issuing the ioctls (<c>current-&gt;mm</c>).</param>
    /// <param name="domain">The container's IOMMU-capable domain, or null when only mdevs without one are attached.</param>
    public VfioIommuType1(AddressSpace current, Iommu? domain)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        CallerMm = current;
        Domain = domain;
    }

    public AddressSpace Current { get; }

    public Iommu? Domain { get; }

    /// <summary>VFIO_TYPE1v2_IOMMU: the external pin path and the page-hinting hooks require it.</summary>
    public bool V2 { get; init; } = true;

    /// <summary>CAP_IPC_LOCK of the task: exempts it from RLIMIT_MEMLOCK.</summary>
    public bool LockCap { get; init; }

    public IReadOnlyList<VfioDma> DmaList => dmaList;

    /// <summary>IS_IOMMU_CAP_DOMAIN_IN_CONTAINER().</summary>
    public bool HasIommuDomain => Domain is not null;

    /// <summary>
    /// The mm of the thread calling in (<c>current-&gt;mm</c>): the task itself for ioctls, null for a kernel thread
    /// (a vendor driver's worker calling <c>vfio_pin_pages()</c>), which takes the remote branch.
    /// </summary>
    public AddressSpace? CallerMm { get; set; }

    /// <summary><c>vaddr_get_pfn()</c> (v5.5): one page, FOLL_GET, long-term only on the local branch.</summary>
    public int VaddrGetPfn(AddressSpace mm, ulong vaddr, Protection prot, out long pfn)
    {
        Span<Page> page = new Page[1];
        var flags = GupFlags.None;
        long ret;
        pfn = 0;
        if ((prot & Protection.Write) != 0)
        {
            flags |= GupFlags.Write;
        }

        using (mm.MmapReadLock())
        {
            if (ReferenceEquals(mm, CallerMm))
            {
                // v5.5: flags | FOLL_LONGTERM (seed-era machine; -EINVAL under mainline rules, PIN0201).
                ret = Gup.GetUserPages(mm, vaddr, 1, flags | GupFlags.Longterm, page);
            }
            else
            {
                // v5.5: flags only, no FOLL_LONGTERM: the bug seed #7 fixed, kept.
                ret = Gup.GetUserPagesRemote(mm, vaddr, 1, flags, page);

                // "The lifetime of a vaddr_get_pfn() page pin is userspace-controlled. In the fs-dax case this could
                // lead to indefinite stalls in filesystem operations. Disallow attempts to pin fs-dax pages via this
                // interface."
                if (ret > 0 && mm.FindVma(vaddr) is { Kind: VmaKind.FsDax })
                {
                    ret = -(int)Errno.EOPNOTSUPP;
                    Gup.PutPage(page[0]);
                }
            }
        }

        if (ret == 1)
        {
            pfn = PageToPfn(page[0]);
            return 0;
        }

        using (mm.MmapReadLock())
        {
            // VM_PFNMAP: follow_pfn() and accept it if it is a reserved pfn (no struct page to pin).
            var vma = mm.FindVma(vaddr);
            if (vma is { Kind: VmaKind.Device } && mm.TryGetMappedPage(vaddr, out var mapped) && IsInvalidReservedPfn(mm.Memory, mapped.Pfn))
            {
                pfn = mapped.Pfn;
                ret = 0;
            }
        }

        return (int)ret;
    }

    /// <summary><c>put_pfn()</c> (v5.5): <c>SetPageDirty()</c> if the device could write, then <c>put_page()</c>.</summary>
    public static int PutPfn(PhysicalMemory memory, long pfn, Protection prot)
    {
        if (!IsInvalidReservedPfn(memory, pfn))
        {
            var page = memory.PfnToPage(pfn);
            if ((prot & Protection.Write) != 0)
            {
                Gup.SetPageDirty(page);
            }

            Gup.PutPage(page);
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// <c>page_to_pfn()</c> at the end of <c>vaddr_get_pfn()</c>: from here the reference travels as the pfn, and
    /// <c>put_pfn()</c> gives it back. Marked as the hand-off it is, so the analysis does not look for a release here.
    /// </summary>
    public static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

    /// <summary><c>is_invalid_reserved_pfn()</c>: device memory has no refcounted struct page here.</summary>
    public static bool IsInvalidReservedPfn(PhysicalMemory memory, long pfn) => memory.PfnToPage(pfn).Zone == Zone.Device;

    /// <summary><c>vfio_find_dma()</c>: the mapping overlapping [start, start + size).</summary>
    public VfioDma? FindDma(ulong start, ulong size)
    {
        foreach (var dma in dmaList)
        {
            var end = dma.Iova + Math.Max(dma.Size, 1);
            if (start + size > dma.Iova && start < end)
            {
                return dma;
            }
        }

        return null;
    }

    /// <summary>VFIO_IOMMU_MAP_DMA → <c>vfio_dma_do_map()</c>: 0 or a negative errno.</summary>
    public int MapDma(ulong vaddr, ulong iova, ulong size, Protection prot)
    {
        const ulong mask = PageMath.PageSize - 1;
        if (prot == Protection.None || size == 0 || ((size | iova | vaddr) & mask) != 0)
        {
            return -(int)Errno.EINVAL;
        }

        // "Don't allow IOVA or virtual address wrap"
        if (iova + size - 1 < iova || vaddr + size - 1 < vaddr)
        {
            return -(int)Errno.EINVAL;
        }

        if (FindDma(iova, size) is not null)
        {
            return -(int)Errno.EEXIST;
        }

        if (dmaAvail == 0)
        {
            return -(int)Errno.ENOSPC;
        }

        dmaAvail--;
        var dma = new VfioDma(iova, vaddr, prot, Current) { LockCap = LockCap };

        // "Insert zero-sized and grow as we map chunks of it"
        dmaList.Add(dma);

        // "Don't pin and map if container doesn't contain IOMMU capable domain"
        if (!HasIommuDomain)
        {
            dma.Size = size;
            return 0;
        }

        return VfioPinMapDma(dma, size);
    }

    /// <summary>VFIO_IOMMU_UNMAP_DMA → <c>vfio_dma_do_unmap()</c>: removes every mapping inside the range; returns bytes unmapped or a negative errno.</summary>
    public long UnmapDma(ulong iova, ulong size)
    {
        const ulong mask = PageMath.PageSize - 1;
        if (((iova | size) & mask) != 0 || size == 0)
        {
            return -(int)Errno.EINVAL;
        }

        // "vfio_dma_do_unmap: a range must not bisect an existing mapping".
        if (FindDma(iova, 1) is { } first && first.Iova < iova)
        {
            return -(int)Errno.EINVAL;
        }

        if (FindDma(iova + size - 1, 1) is { } last && last.Iova + last.Size > iova + size)
        {
            return -(int)Errno.EINVAL;
        }

        long unmapped = 0;
        while (FindDma(iova, size) is { } dma)
        {
            // "The external pinning path keeps pages pinned until the vendor driver unpins them": the kernel
            // notifies VFIO_IOMMU_NOTIFY_DMA_UNMAP first; there is no vendor driver listening here.
            unmapped += (long)dma.Size;
            VfioRemoveDma(dma);
        }

        return unmapped;
    }

    /// <summary>
    /// <c>vfio_pin_pages()</c> (vfio.c) → <c>vfio_iommu_type1_pin_pages()</c>: pins the pages behind each IOVA pfn for
    /// a mediated device; returns how many were pinned or a negative errno, and unwinds everything on failure.
    /// </summary>
    public int PinPages(ReadOnlySpan<ulong> userPfn, int npage, Protection prot, Span<long> physPfn)
    {
        if (npage == 0 || userPfn.Length < npage || physPfn.Length < npage)
        {
            return -(int)Errno.EINVAL;
        }

        if (npage > VfioPinPagesMaxEntries)
        {
            return -(int)Errno.E2BIG;
        }

        // "Supported for v2 version only"
        if (!V2)
        {
            return -(int)Errno.EACCES;
        }

        // "If iommu capable domain exist in the container then all pages are already pinned and accounted."
        var doAccounting = !HasIommuDomain;
        int i;
        int ret;
        for (i = 0; i < npage; i++)
        {
            var iova = userPfn[i] << PageMath.PageShift;
            var dma = FindDma(iova, PageMath.PageSize);
            if (dma is null)
            {
                ret = -(int)Errno.EINVAL;
                goto pin_unwind;
            }

            if ((dma.Prot & prot) != prot)
            {
                ret = -(int)Errno.EPERM;
                goto pin_unwind;
            }

            if (dma.PfnList.TryGetValue(iova, out var vpfn))
            {
                dma.PfnList[iova] = (vpfn.Pfn, vpfn.RefCount + 1);
                physPfn[i] = vpfn.Pfn;
                continue;
            }

            var remoteVaddr = dma.Vaddr + (iova - dma.Iova);
            ret = VfioPinPageExternal(dma, remoteVaddr, out physPfn[i], doAccounting);
            if (ret != 0)
            {
                goto pin_unwind;
            }

            dma.PfnList[iova] = (physPfn[i], 1);
        }

        return i;

    pin_unwind:
        physPfn[i] = 0;
        for (var j = 0; j < i; j++)
        {
            var iova = userPfn[j] << PageMath.PageShift;
            VfioUnpinPageExternal(FindDma(iova, PageMath.PageSize)!, iova, doAccounting);
            physPfn[j] = 0;
        }

        return ret;
    }

    /// <summary><c>vfio_unpin_pages()</c> → <c>vfio_iommu_type1_unpin_pages()</c>: returns how many IOVAs were processed.</summary>
    public int UnpinPages(ReadOnlySpan<ulong> userPfn, int npage)
    {
        if (npage == 0 || userPfn.Length < npage)
        {
            return -(int)Errno.EINVAL;
        }

        if (npage > VfioPinPagesMaxEntries)
        {
            return -(int)Errno.E2BIG;
        }

        if (!V2)
        {
            return -(int)Errno.EACCES;
        }

        var doAccounting = !HasIommuDomain;
        int i;
        for (i = 0; i < npage; i++)
        {
            var iova = userPfn[i] << PageMath.PageShift;
            var dma = FindDma(iova, PageMath.PageSize);
            if (dma is null)
            {
                break;
            }

            VfioUnpinPageExternal(dma, iova, doAccounting);
        }

        return i > 0 ? i : -(int)Errno.EINVAL;
    }

    /// <summary>
    /// <c>vfio_pin_pages_remote()</c>: pins one physically contiguous run starting at <paramref name="vaddr"/>, charging
    /// <c>locked_vm</c> for it; returns the pages pinned or a negative errno (-ENOMEM past RLIMIT_MEMLOCK).
    /// </summary>
    public long VfioPinPagesRemote(VfioDma dma, ulong vaddr, long npage, out long pfnBase, long limit)
    {
        long pinned = 0;
        long lockAcct = 0;
        var iova = vaddr - dma.Vaddr + dma.Iova;
        var memory = Current.Memory;
        var ret = (long)VaddrGetPfn(Current, vaddr, dma.Prot, out pfnBase);
        if (ret != 0)
        {
            return ret;
        }

        pinned++;
        var rsvd = IsInvalidReservedPfn(memory, pfnBase);

        // "Reserved pages aren't counted against the user, externally pinned pages are already counted against the user."
        if (!rsvd && !dma.PfnList.ContainsKey(iova))
        {
            if (!dma.LockCap && Current.LockedVm + 1 > limit)
            {
                PutPfn(memory, pfnBase, dma.Prot);
                return -(int)Errno.ENOMEM;
            }

            lockAcct++;
        }

        // "Lock all the consecutive pages from pfn_base"
        for (vaddr += PageMath.PageSize, iova += PageMath.PageSize; pinned < npage; pinned++, vaddr += PageMath.PageSize, iova += PageMath.PageSize)
        {
            ret = VaddrGetPfn(Current, vaddr, dma.Prot, out var pfn);
            if (ret != 0)
            {
                break;
            }

            if (pfn != pfnBase + pinned || rsvd != IsInvalidReservedPfn(memory, pfn))
            {
                PutPfn(memory, pfn, dma.Prot);
                break;
            }

            if (!rsvd && !dma.PfnList.ContainsKey(iova))
            {
                if (!dma.LockCap && Current.LockedVm + lockAcct + 1 > limit)
                {
                    PutPfn(memory, pfn, dma.Prot);
                    ret = -(int)Errno.ENOMEM;
                    goto unpin_out;
                }

                lockAcct++;
            }
        }

        ret = VfioLockAcct(dma, lockAcct);

    unpin_out:
        if (ret != 0)
        {
            if (!rsvd)
            {
                for (var pfn = pfnBase; pinned > 0; pfn++, pinned--)
                {
                    PutPfn(memory, pfn, dma.Prot);
                }
            }

            return ret;
        }

        return pinned;
    }

    /// <summary><c>vfio_unpin_pages_remote()</c>: puts a run of pfns; returns how many were unlocked.</summary>
    public long VfioUnpinPagesRemote(VfioDma dma, ulong iova, long pfn, long npage, bool doAccounting)
    {
        long unlocked = 0;
        long locked = 0;
        for (long i = 0; i < npage; i++, iova += PageMath.PageSize)
        {
            if (PutPfn(Current.Memory, pfn++, dma.Prot) != 0)
            {
                unlocked++;
                if (dma.PfnList.ContainsKey(iova))
                {
                    locked++;
                }
            }
        }

        if (doAccounting)
        {
            VfioLockAcct(dma, locked - unlocked);
        }

        return unlocked;
    }

    /// <summary><c>vfio_iommu_map()</c>: maps <paramref name="npage"/> frames from <paramref name="pfn"/> at <paramref name="iova"/>.</summary>
    public int VfioIommuMap(ulong iova, long pfn, long npage, Protection prot)
    {
        var memory = Current.Memory;
        for (long i = 0; i < npage; i++)
        {
            var ret = Domain!.Map(iova + ((ulong)i * PageMath.PageSize), memory.PfnToPage(pfn + i), prot);
            if (ret != 0)
            {
                Domain.Unmap(iova, (ulong)i * PageMath.PageSize);
                return ret;
            }
        }

        return 0;
    }

    /// <summary><c>vfio_lock_acct()</c> → <c>__account_locked_vm()</c>: -ENOMEM past RLIMIT_MEMLOCK unless CAP_IPC_LOCK.</summary>
    public int VfioLockAcct(VfioDma dma, long npage)
    {
        if (npage == 0)
        {
            return 0;
        }

        if (dma.LockCap)
        {
            // CAP_IPC_LOCK: the kernel charges but never refuses; AccountLockedVm has no such bypass, so a capable
            // task's mappings are not charged (nor uncharged) at all.
            return 0;
        }

        return dma.Task.AccountLockedVm(Math.Abs(npage), npage > 0);
    }

    /// <summary><c>vfio_pin_map_dma()</c>: pin contiguous chunks and map each; on failure remove the whole dma.</summary>
    private int VfioPinMapDma(VfioDma dma, ulong mapSize)
    {
        var iova = dma.Iova;
        var vaddr = dma.Vaddr;
        var size = mapSize;
        var limit = Current.RlimitMemlock == ulong.MaxValue ? long.MaxValue : (long)(Current.RlimitMemlock >> PageMath.PageShift);
        var ret = 0;
        while (size > 0)
        {
            // "Pin a contiguous chunk of memory"
            var npage = VfioPinPagesRemote(dma, vaddr + dma.Size, (long)(size >> PageMath.PageShift), out var pfn, limit);
            if (npage <= 0)
            {
                ret = (int)npage;
                break;
            }

            // "Map it!"
            ret = VfioIommuMap(iova + dma.Size, pfn, npage, dma.Prot);
            if (ret != 0)
            {
                VfioUnpinPagesRemote(dma, iova + dma.Size, pfn, npage, doAccounting: true);
                break;
            }

            size -= (ulong)npage << PageMath.PageShift;
            dma.Size += (ulong)npage << PageMath.PageShift;
        }

        if (ret != 0)
        {
            VfioRemoveDma(dma);
        }

        return ret;
    }

    /// <summary><c>vfio_remove_dma()</c>: <c>vfio_unmap_unpin()</c> with accounting, then unlink.</summary>
    private void VfioRemoveDma(VfioDma dma)
    {
        VfioUnmapUnpin(dma, doAccounting: true);
        foreach (var vpfn in dma.PfnList.Values)
        {
            // Pages the vendor driver never unpinned: the kernel warns and would leak them; give them back.
            for (var r = 0; r < vpfn.RefCount; r++)
            {
                PutPfn(Current.Memory, vpfn.Pfn, dma.Prot);
            }

            if (!HasIommuDomain)
            {
                VfioLockAcct(dma, -1);
            }
        }

        dma.PfnList.Clear();
        dmaList.Remove(dma);
        dmaAvail++;
    }

    /// <summary>
    /// <c>vfio_unmap_unpin()</c>: walk the IOMMU mapping in physically contiguous pieces, unmap each and unpin its
    /// pages. Holes are skipped (the kernel warns on them).
    /// </summary>
    private long VfioUnmapUnpin(VfioDma dma, bool doAccounting)
    {
        var iova = dma.Iova;
        var end = dma.Iova + dma.Size;
        long unlocked = 0;
        if (dma.Size == 0 || Domain is null)
        {
            return 0;
        }

        while (iova < end)
        {
            if (!Domain.TryTranslate(iova, out var phys, out _))
            {
                iova += PageMath.PageSize;
                continue;
            }

            // "try to find the largest contiguous physical memory chunk to unmap"
            ulong len;
            for (len = PageMath.PageSize; iova + len < end; len += PageMath.PageSize)
            {
                if (!Domain.TryTranslate(iova + len, out var next, out _) || next.Pfn != phys.Pfn + (long)(len >> PageMath.PageShift))
                {
                    break;
                }
            }

            var unmapped = Domain.Unmap(iova, len);
            unlocked += VfioUnpinPagesRemote(dma, iova, phys.Pfn, (long)(unmapped >> PageMath.PageShift), doAccounting: false);
            iova += unmapped;
        }

        if (doAccounting)
        {
            VfioLockAcct(dma, -unlocked);
            return 0;
        }

        return unlocked;
    }

    private int VfioPinPageExternal(VfioDma dma, ulong vaddr, out long pfnBase, bool doAccounting)
    {
        var ret = VaddrGetPfn(dma.Task, vaddr, dma.Prot, out pfnBase);
        if (ret == 0 && doAccounting && !IsInvalidReservedPfn(dma.Task.Memory, pfnBase))
        {
            ret = VfioLockAcct(dma, 1);
            if (ret != 0)
            {
                PutPfn(dma.Task.Memory, pfnBase, dma.Prot);
            }
        }

        return ret;
    }

    private long VfioUnpinPageExternal(VfioDma dma, ulong iova, bool doAccounting)
    {
        if (!dma.PfnList.TryGetValue(iova, out var vpfn))
        {
            return 0;
        }

        long unlocked = 0;
        if (vpfn.RefCount > 1)
        {
            dma.PfnList[iova] = (vpfn.Pfn, vpfn.RefCount - 1);
        }
        else
        {
            unlocked = PutPfn(dma.Task.Memory, vpfn.Pfn, dma.Prot);
            dma.PfnList.Remove(iova);
        }

        if (doAccounting)
        {
            VfioLockAcct(dma, -unlocked);
        }

        return unlocked;
    }
}
