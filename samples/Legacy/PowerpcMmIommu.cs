namespace PinApi.Samples.Legacy;

/// <summary>
/// arch/powerpc/mm/book3s64/iommu_api.c, <c>mm_iommu_do_alloc()</c> / <c>mm_iommu_unpin()</c> / <c>mm_iommu_release()</c>
/// as of v5.5, before seed #20: <c>get_user_pages(…, FOLL_WRITE | FOLL_LONGTERM, …)</c>, <c>free_exit</c> and
/// <c>mm_iommu_unpin()</c> release with <c>put_page()</c>, the latter after a raw <c>SetPageDirty()</c>. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// Guest RAM
/// is preregistered for the TCE tables; each preregistered page is translated to a host physical address and the
/// struct page reference is kept only through that address.
/// </summary>
public sealed class PowerpcMmIommu : IUserBufferDriver
{
    /// <summary>MM_IOMMU_TABLE_GROUP_PAGE_DIRTY: the low bit of an hpa, set when a TCE allowed the device to write.</summary>
    private const ulong PageDirty = 0x1;

    /// <summary>(1UL &lt;&lt; (PAGE_SHIFT + MAX_ORDER - 1)) / sizeof(struct vm_area_struct *).</summary>
    private const long Chunk = (1L << (PageMath.PageShift + 11 - 1)) / 8;

    private MmIommuTableGroupMem? mem;
    private AddressSpace? mm;
    private Iommu? tceTable;

    public string Name => "powerpc_mm_iommu";

    public string KernelSite => "arch/powerpc/mm/book3s64/iommu_api.c: mm_iommu_do_alloc, mm_iommu_unpin";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        this.mm = mm;
        var entries = (long)(length >> PageMath.PageShift);
        var ret = MmIommuDoAlloc(mm, address, entries, out mem);
        if (ret != 0)
        {
            return (int)ret;
        }

        // H_PUT_TCE: map each preregistered page into the TCE table (IOVA = guest address), writable.
        tceTable = iommu;
        for (long i = 0; i < entries; i++)
        {
            var rc = TcePut(address + ((ulong)i * PageMath.PageSize), i);
            if (rc != 0)
            {
                Release();
                return rc;
            }
        }

        return 0;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes) => tceTable!.DeviceWrite(mem!.Ua + (ulong)offset, bytes);

    public int DeviceRead(long offset, Span<byte> destination) => tceTable!.DeviceRead(mem!.Ua + (ulong)offset, destination);

    /// <summary>Clear the TCEs, then <c>mm_iommu_put()</c> → <c>mm_iommu_release()</c>.</summary>
    public void Release()
    {
        if (mem is null)
        {
            return;
        }

        tceTable?.Unmap(mem.Ua, (ulong)mem.Entries * PageMath.PageSize);
        MmIommuUnpin(mem);
        mm!.AccountLockedVm(mem.Entries, increment: false);
        mem = null;
    }

    /// <summary><c>mm_iommu_unpin()</c>: <c>SetPageDirty()</c> if a TCE let the device write, then <c>put_page()</c>.</summary>
    private static void MmIommuUnpin(MmIommuTableGroupMem mem)
    {
        for (long i = 0; i < mem.Entries; ++i)
        {
            if (mem.Hpas[i] == 0)
            {
                continue;
            }

            var page = mem.Memory.PfnToPage((long)(mem.Hpas[i] >> PageMath.PageShift));
            if ((mem.Hpas[i] & PageDirty) != 0)
            {
                Gup.SetPageDirty(page);
            }

            Gup.PutPage(page);
            mem.Hpas[i] = 0;
        }
    }

    private static long MmIommuDoAlloc(AddressSpace mm, ulong ua, long entries, out MmIommuTableGroupMem? pmem)
    {
        long pinned = 0;
        long ret;
        pmem = null;
        ret = mm.AccountLockedVm(entries, increment: true);
        if (ret != 0)
        {
            return ret;
        }

        var lockedEntries = entries;
        var mem = new MmIommuTableGroupMem(mm.Memory, ua, entries);
        using (mm.MmapReadLock())
        {
            var chunk = Math.Min(Chunk, entries);
            for (long entry = 0; entry < entries; entry += chunk)
            {
                var n = Math.Min(entries - entry, chunk);
                // v5.5: FOLL_WRITE | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
                ret = Gup.GetUserPages(mm, ua + ((ulong)entry << PageMath.PageShift), n, GupFlags.Write | GupFlags.Longterm, mem.Hpages.AsSpan((int)entry));
                if (ret == n)
                {
                    pinned += n;
                    continue;
                }

                if (ret > 0)
                {
                    pinned += ret;
                }

                break;
            }
        }

        if (pinned != entries)
        {
            if (ret >= 0)
            {
                ret = -(int)Errno.EFAULT;
            }

            goto free_exit;
        }

        for (long i = 0; i < entries; ++i)
        {
            // "We don't need struct page reference any more, switch to physical address."
            mem.Hpas[i] = (ulong)mem.Hpages[i].Pfn << PageMath.PageShift;
        }

        pmem = mem;
        return 0;

    free_exit:
        // "free the reference taken"
        for (long i = 0; i < pinned; i++)
        {
            Gup.PutPage(mem.Hpages[i]);
        }

        mm.AccountLockedVm(lockedEntries, increment: false);
        return ret;
    }

    /// <summary>Map one preregistered entry into the TCE table and mark it dirty-able (<c>mm_iommu_ua_mark_dirty_rm()</c>).</summary>
    private int TcePut(ulong ioba, long entry)
    {
        var page = mem!.Memory.PfnToPage((long)(mem.Hpas[entry] >> PageMath.PageShift));
        var rc = tceTable!.Map(ioba, page, Protection.ReadWrite);
        if (rc == 0)
        {
            mem.Hpas[entry] |= PageDirty;
        }

        return rc;
    }

    /// <summary><c>struct mm_iommu_table_group_mem_t</c>; hpages and hpas are a union in C, two arrays here.</summary>
    private sealed class MmIommuTableGroupMem(PhysicalMemory memory, ulong ua, long entries)
    {
        public PhysicalMemory Memory { get; } = memory;

        public ulong Ua { get; } = ua;

        public long Entries { get; } = entries;

        public Page[] Hpages { get; } = new Page[entries];

        public ulong[] Hpas { get; } = new ulong[entries];
    }
}
