using static PinApi.Tests.HugeMappings;

namespace PinApi.Tests;

/// <summary>
/// KERNEL.md §5 (CONFORMANCE.md §5, §3.4): huge pages mapped by one PMD leaf; the PMD split into 512 PTEs on a
/// partial munmap, mprotect or MADV_DONTNEED (<c>__split_huge_pmd</c>) and under FOLL_SPLIT_PMD; a whole block
/// zapped at once (<c>zap_huge_pmd</c>). Through all of it the compound page stays whole and its pincount exact.
/// </summary>
public class HugePmdTests
{
    [Fact]
    public void A_thp_fault_maps_its_block_with_one_huge_pmd_that_holds_a_reference_per_subpage()
    {
        using var machine = new Machine(normalPages: 4096);
        var free = machine.Memory.FreePages(Zone.Normal);
        var block = ThpBlocks(machine, 1);
        Assert.Equal(0, machine.Mm.Write(block + 5, [7]));

        Assert.True(IsPmdMapped(machine, block));
        Assert.Equal(1, machine.Memory.VmStat[VmStatItem.ThpFaultAlloc]);
        Assert.True(machine.Mm.TryGetMappedPage(PageOf(block, 7), out var seventh));
        var head = seventh.CompoundHead;
        Assert.True(seventh.IsCompound);
        Assert.Equal(PhysicalMemory.HugePageOrder, head.Order);
        Assert.Equal(head.Pfn + 7, seventh.Pfn);
        Assert.Equal(head.Pfn, Pte.PfnOf(PmdAt(machine, block)));

        // The PMD holds one reference per subpage it maps, as 512 PTEs would; the block's PTEs stay unused.
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, head.PinCount);
        var vma = machine.Mm.FindVma(block)!;
        for (var i = 0; i < Frames; i++)
        {
            Assert.Equal(0L, vma.PteAt(PageOf(block, i)));
        }

        Assert.Equal(free - Frames, machine.Memory.FreePages(Zone.Normal));

        // Unmapping the whole block drops the PMD's references at once and frees the page.
        Assert.Equal(0, machine.Mm.Munmap(block, Size));
        Assert.True(head.IsFree);
        Assert.Equal(free, machine.Memory.FreePages(Zone.Normal));
    }

    [Fact]
    public void Gup_takes_runs_of_subpages_from_huge_pmds_and_counts_each_folios_pins_exactly()
    {
        using var machine = new Machine(normalPages: 4096);
        var memory = machine.Memory;
        var block = ThpBlocks(machine, 2);
        Assert.Equal(0, machine.Mm.Write(block + 5, [7]));

        // 600 pages from page 100 on: 412 from the first block's PMD and 188 from the second block, which the slow
        // path faults in as a THP of its own.
        var start = PageOf(block, 100);
        var pages = new Page[600];
        Assert.Equal(600, Gup.PinUserPagesFast(machine.Mm, start, 600, GupFlags.Write, pages));
        Assert.Equal(2, memory.VmStat[VmStatItem.ThpFaultAlloc]);
        Assert.True(IsPmdMapped(machine, block + Size));
        var first = pages[0].CompoundHead;
        var second = pages[599].CompoundHead;
        Assert.NotEqual(first, second);
        for (var i = 0; i < pages.Length; i++)
        {
            Assert.Equal(i < 412 ? first.Pfn + 100 + i : second.Pfn + (i - 412), pages[i].Pfn);
        }

        Assert.Equal(412, first.PinCount);
        Assert.Equal(188, second.PinCount);
        Assert.Equal(Frames + 412, first.RefCount);
        Assert.Equal(Frames + 188, second.RefCount);
        Assert.Equal(600, memory.VmStat.NrFollPinAcquired);

        // The pinned frame is the mapped frame.
        pages[0].Data[0] = 9;
        Assert.Equal(9, ReadByte(machine, start));

        Gup.UnpinUserPages(pages.AsSpan(0, 300));
        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(300), makeDirty: true);
        Assert.Equal(0, first.PinCount);
        Assert.Equal(0, second.PinCount);
        Assert.Equal(Frames, first.RefCount);
        Assert.Equal(Frames, second.RefCount);
        Assert.True(second.IsDirty);
        Assert.Equal(0, memory.VmStat.OutstandingPins);

        // FOLL_GET from a huge PMD: references on the head, never the pincount.
        var got = new Page[3];
        Assert.Equal(3, Gup.GetUserPagesFast(machine.Mm, block, 3, GupFlags.None, got));
        Assert.Equal(Frames + 3, first.RefCount);
        Assert.Equal(0, first.PinCount);
        foreach (var page in got)
        {
            Gup.PutPage(page);
        }

        // gup-fast-only across the boundary of two PMD-mapped blocks: one subpage of each.
        Assert.Equal(2, Gup.PinUserPagesFastOnly(machine.Mm, PageOf(block, Frames - 1), 2, GupFlags.Write, pages));
        Assert.Equal(first.Pfn + Frames - 1, pages[0].Pfn);
        Assert.Equal(second.Pfn, pages[1].Pfn);
        Assert.Equal(1, first.PinCount);
        Assert.Equal(1, second.PinCount);
        Gup.UnpinUserPages(pages.AsSpan(0, 2));

        Assert.Equal(0, machine.Mm.Munmap(block, 2 * Size));
        Assert.True(first.IsFree);
        Assert.True(second.IsFree);
    }

    [Fact]
    public void A_partial_munmap_splits_the_pmd_into_ptes_and_keeps_the_compound_pages_pins_exact_and_its_data()
    {
        using var machine = new Machine(normalPages: 4096);
        var free = machine.Memory.FreePages(Zone.Normal);
        var block = ThpBlocks(machine, 1);
        WriteMarkers(machine, block);
        var pages = new PinnedPage[Frames];
        Assert.Equal(Frames, Gup.PinUserPagesFast(machine.Mm, block, Frames, GupFlags.Write, pages));
        var head = pages[0].Page.CompoundHead;
        Assert.Equal(2 * Frames, head.RefCount);
        Assert.Equal(Frames, head.PinCount);

        Assert.Equal(0, machine.Mm.Munmap(PageOf(block, 1), (ulong)Machine.Page));

        // The PMD now points to a PTE table; only the unmapped page's reference went, the pins are untouched.
        Assert.Equal(Pte.Table, PmdAt(machine, block));
        Assert.Equal((2 * Frames) - 1, head.RefCount);
        Assert.Equal(Frames, head.PinCount);
        Assert.True(head.IsCompound);
        Assert.Equal(PhysicalMemory.HugePageOrder, head.Order);
        Assert.False(machine.Mm.TryGetMappedPage(PageOf(block, 1), out _));
        foreach (var i in new[] { 0, 2, 3, 255, Frames - 1 })
        {
            Assert.True(machine.Mm.TryGetMappedPage(PageOf(block, i), out var mapped));
            Assert.Equal(head.Pfn + i, mapped.Pfn);
            Assert.Equal(Marker(i), ReadByte(machine, PageOf(block, i)));
        }

        // The unmapped subpage lives on under its pin, data and all; stores through a PTE land in the pinned frame.
        Assert.Equal(Marker(1), pages[1].Page.Data[0]);
        Assert.Equal(0, machine.Mm.Write(PageOf(block, 300), [0xEE]));
        Assert.Equal(0xEE, pages[300].Page.Data[0]);

        // gup-fast on the now PTE-mapped compound page: consecutive subpages in one grab on the head.
        var again = new Page[3];
        Assert.Equal(3, Gup.PinUserPagesFast(machine.Mm, PageOf(block, 2), 3, GupFlags.Write, again));
        for (var i = 0; i < again.Length; i++)
        {
            Assert.Equal(head.Pfn + 2 + i, again[i].Pfn);
        }

        Assert.Equal(Frames + 3, head.PinCount);
        Gup.UnpinUserPages(again);
        Gup.UnpinUserPages(pages);
        Assert.Equal(Frames - 1, head.RefCount);
        Assert.Equal(0, head.PinCount);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);

        // The PTEs of the rest of the block go one by one, and with the last the page.
        Assert.Equal(0, machine.Mm.Munmap(block, Size));
        Assert.True(head.IsFree);
        Assert.Equal(free, machine.Memory.FreePages(Zone.Normal));
    }

    [Fact]
    public void Mprotect_of_a_whole_block_write_protects_the_huge_pmd_without_splitting_it()
    {
        using var machine = new Machine(normalPages: 4096);
        var block = ThpBlocks(machine, 1);
        Assert.Equal(0, machine.Mm.Write(block, [1]));
        Assert.True(machine.Mm.TryGetMappedPage(block, out var head));

        Assert.Equal(0, machine.Mm.Mprotect(block, Size, Protection.Read));
        Assert.True(IsPmdMapped(machine, block));
        Assert.False(Pte.IsWritable(PmdAt(machine, block)));

        var pages = new Page[4];
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, block, 4, GupFlags.Write, pages));
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(block, 4, GupFlags.Write, pages));
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
        Assert.Equal(4, Gup.PinUserPagesFast(machine.Mm, block, 4, GupFlags.None, pages));
        Assert.Equal(4, head.PinCount);
        Gup.UnpinUserPages(pages);

        // ptrace-style FOLL_FORCE: our own THP is reused in place; the leaf stays huge and read-only.
        Assert.Equal(4, machine.Pin(block, 4, GupFlags.Write | GupFlags.Force, pages));
        Assert.Equal(head, pages[0].CompoundHead);
        Assert.True(IsPmdMapped(machine, block));
        Assert.False(Pte.IsWritable(PmdAt(machine, block)));
        Gup.UnpinUserPages(pages);
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void A_partial_mprotect_splits_the_pmd_and_moves_its_references_to_the_ptes_unchanged()
    {
        using var machine = new Machine(normalPages: 4096);
        var block = ThpBlocks(machine, 1);
        WriteMarkers(machine, block);
        var pages = new Page[Frames];
        Assert.Equal(Frames, Gup.PinUserPagesFast(machine.Mm, block, Frames, GupFlags.Write, pages));
        var head = pages[0].CompoundHead;

        Assert.Equal(0, machine.Mm.Mprotect(PageOf(block, 10), (ulong)Machine.Page, Protection.Read));
        Assert.Equal(Pte.Table, PmdAt(machine, block));
        Assert.Equal(2 * Frames, head.RefCount);
        Assert.Equal(Frames, head.PinCount);
        var readOnly = machine.Mm.FindVma(PageOf(block, 10))!.PteAt(PageOf(block, 10));
        var writable = machine.Mm.FindVma(PageOf(block, 11))!.PteAt(PageOf(block, 11));
        Assert.True(Pte.IsPresent(readOnly));
        Assert.False(Pte.IsWritable(readOnly));
        Assert.Equal(head.Pfn + 10, Pte.PfnOf(readOnly));
        Assert.True(Pte.IsWritable(writable));
        Assert.Equal(head.Pfn + 11, Pte.PfnOf(writable));

        // The data stayed; the protected page refuses stores and write pins, its neighbour takes them.
        Assert.Equal(Marker(10), ReadByte(machine, PageOf(block, 10)));
        Assert.Equal(-(int)Errno.EFAULT, machine.Mm.Write(PageOf(block, 10), [1]));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, PageOf(block, 10), 1, GupFlags.Write, new Page[1]));
        Assert.Equal(0, machine.Mm.Write(PageOf(block, 11), [0xAB]));
        Assert.Equal(0xAB, pages[11].Data[0]);

        Gup.UnpinUserPages(pages);
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, head.PinCount);

        // Writable again: the block stays PTE-mapped and a write pin reuses the same subpage.
        Assert.Equal(0, machine.Mm.Mprotect(PageOf(block, 10), (ulong)Machine.Page, Protection.ReadWrite));
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, PageOf(block, 10), 1, GupFlags.Write, pages));
        Assert.Equal(head.Pfn + 10, pages[0].Pfn);
        Assert.Equal(1, head.PinCount);
        Gup.UnpinUserPage(pages[0]);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void A_partial_madv_dontneed_splits_the_pmd_and_zaps_only_the_pages_asked_for()
    {
        using var machine = new Machine(normalPages: 4096);
        var block = ThpBlocks(machine, 1);
        WriteMarkers(machine, block);
        var pages = new Page[2];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, block, 2, GupFlags.Write, pages));
        var head = pages[0].CompoundHead;
        Assert.Equal(Frames + 2, head.RefCount);

        Assert.Equal(0, machine.Mm.Madvise(PageOf(block, 3), (ulong)Machine.Page, Advice.DontNeed));
        Assert.Equal(Pte.Table, PmdAt(machine, block));
        Assert.Equal(Frames + 1, head.RefCount);
        Assert.Equal(2, head.PinCount);
        Assert.False(machine.Mm.TryGetMappedPage(PageOf(block, 3), out _));
        Assert.True(machine.Mm.TryGetMappedPage(PageOf(block, 4), out var fourth));
        Assert.Equal(head.Pfn + 4, fourth.Pfn);
        Assert.Equal(Marker(4), ReadByte(machine, PageOf(block, 4)));
        Assert.Equal(Marker(0), ReadByte(machine, block));
        Assert.Equal(Marker(0), pages[0].Data[0]);

        // The zapped page reads as fresh anonymous memory: the zero page, not the THP's subpage.
        Assert.Equal(0, ReadByte(machine, PageOf(block, 3)));
        Assert.True(machine.Mm.TryGetMappedPage(PageOf(block, 3), out var third));
        Assert.True(third.IsZeroPage);

        Gup.UnpinUserPages(pages);
        Assert.Equal(Frames - 1, head.RefCount);
        Assert.Equal(0, head.PinCount);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void Madv_dontneed_of_a_whole_block_zaps_the_huge_pmd_at_once_and_the_pins_keep_the_page()
    {
        using var machine = new Machine(normalPages: 4096);
        var free = machine.Memory.FreePages(Zone.Normal);
        var block = ThpBlocks(machine, 1);
        WriteMarkers(machine, block);
        var pages = new Page[2];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, PageOf(block, 1), 2, GupFlags.Write, pages));
        var head = pages[0].CompoundHead;
        Assert.Equal(Frames + 2, head.RefCount);

        Assert.Equal(0, machine.Mm.Madvise(block, Size, Advice.DontNeed));
        Assert.Equal(0L, PmdAt(machine, block));
        Assert.False(machine.Mm.TryGetMappedPage(block, out _));
        Assert.Equal(2, head.RefCount);
        Assert.Equal(2, head.PinCount);
        Assert.False(head.IsFree);
        Assert.Equal(Marker(2), pages[1].Data[0]);
        Assert.Equal(free - Frames, machine.Memory.FreePages(Zone.Normal));

        Gup.UnpinUserPages(pages);
        Assert.True(head.IsFree);
        Assert.Equal(free, machine.Memory.FreePages(Zone.Normal));
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);

        // The emptied block takes a new THP at the next store, which starts out zeroed.
        Assert.Equal(0, machine.Mm.Write(block, [1]));
        Assert.True(IsPmdMapped(machine, block));
        Assert.Equal(2, machine.Memory.VmStat[VmStatItem.ThpFaultAlloc]);
        Assert.Equal(0, ReadByte(machine, PageOf(block, 1)));
    }

    [Fact]
    public void Split_pmd_splits_a_thp_mapped_by_a_pmd_into_ptes_before_following_it_and_the_pins_stay_exact()
    {
        using var machine = new Machine(normalPages: 4096);
        var block = ThpBlocks(machine, 2);
        WriteMarkers(machine, block);
        WriteMarkers(machine, block + Size);
        var pages = new Page[4];

        // Without the flag GUP follows the huge PMD and leaves it alone.
        Assert.Equal(4, machine.Pin(PageOf(block, 8), 4, GupFlags.Write, pages));
        Assert.True(IsPmdMapped(machine, block));
        Gup.UnpinUserPages(pages);

        // gup-fast does not accept the flag (its whitelist), and changes nothing.
        Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPagesFast(machine.Mm, PageOf(block, 8), 4, GupFlags.Write | GupFlags.SplitPmd, pages));
        Assert.True(IsPmdMapped(machine, block));

        Assert.Equal(4, machine.Pin(PageOf(block, 8), 4, GupFlags.Write | GupFlags.SplitPmd, pages));
        Assert.Equal(Pte.Table, PmdAt(machine, block));
        var head = pages[0].CompoundHead;
        Assert.True(head.IsCompound);
        Assert.Equal(PhysicalMemory.HugePageOrder, head.Order);
        for (var i = 0; i < pages.Length; i++)
        {
            Assert.Equal(head.Pfn + 8 + i, pages[i].Pfn);
            Assert.Equal(Marker(8 + i), pages[i].Data[0]);
        }

        Assert.Equal(4, head.PinCount);
        Assert.Equal(Frames + 4, head.RefCount);
        Assert.Equal(4, machine.Memory.VmStat.OutstandingPins);

        // Every subpage is now mapped by its own PTE, to the same frame as before.
        var vma = machine.Mm.FindVma(block)!;
        for (var i = 0; i < Frames; i++)
        {
            var pte = vma.PteAt(PageOf(block, i));
            Assert.True(Pte.IsPresent(pte));
            Assert.Equal(head.Pfn + i, Pte.PfnOf(pte));
        }

        Assert.Equal(Marker(100), ReadByte(machine, PageOf(block, 100)));
        Gup.UnpinUserPages(pages);
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, head.PinCount);

        // FOLL_GET with the flag splits the next block too, taking plain references.
        var got = new Page[2];
        Assert.Equal(2, machine.Get(block + Size, 2, GupFlags.SplitPmd, got));
        Assert.Equal(Pte.Table, PmdAt(machine, block + Size));
        var next = got[0].CompoundHead;
        Assert.Equal(Frames + 2, next.RefCount);
        Assert.Equal(0, next.PinCount);
        Gup.PutPage(got[0]);
        Gup.PutPage(got[1]);
        Assert.Equal(Frames, next.RefCount);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void Hugetlb_pages_unmapped_while_pinned_stay_out_of_the_pool_until_the_last_unpin()
    {
        using var machine = new Machine(normalPages: 1024, hugePages: 2);
        var address = machine.Mm.Mmap(2 * Size, Protection.ReadWrite, VmaKind.Hugetlb);
        var pages = new Page[20];
        Assert.Equal(20, Gup.PinUserPagesFast(machine.Mm, PageOf(address, Frames - 10), 20, GupFlags.Write, pages));
        var first = pages[0].CompoundHead;
        var second = pages[19].CompoundHead;
        Assert.NotEqual(first, second);
        Assert.True(IsPmdMapped(machine, address));
        Assert.True(IsPmdMapped(machine, address + Size));
        Assert.Equal(10, first.PinCount);
        Assert.Equal(10, second.PinCount);
        Assert.Equal(Frames + 10, first.RefCount);
        Assert.Equal(0, machine.Memory.HugePagesFree);

        // zap_huge_pmd drops each PMD's references at once; the pins keep both pages.
        Assert.Equal(0, machine.Mm.Munmap(address, 2 * Size));
        Assert.Equal(10, first.RefCount);
        Assert.Equal(10, first.PinCount);
        Assert.Equal(10, second.RefCount);
        Assert.Equal(0, machine.Memory.HugePagesFree);

        Gup.UnpinUserPages(pages.AsSpan(0, 10));
        Assert.Equal(1, machine.Memory.HugePagesFree);
        Gup.UnpinUserPages(pages.AsSpan(10));
        Assert.Equal(2, machine.Memory.HugePagesFree);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void Split_pmd_on_a_hugetlb_page_is_EOPNOTSUPP_and_leaves_its_pmd_and_counts_alone()
    {
        using var machine = new Machine(hugePages: 1);
        var address = machine.Mm.Mmap(Size, Protection.ReadWrite, VmaKind.Hugetlb);
        Assert.Equal(0, machine.Mm.Fill(address, PhysicalMemory.HugePageSize, 3));
        Assert.True(machine.Mm.TryGetMappedPage(address, out var head));
        Assert.True(IsPmdMapped(machine, address));
        Assert.Equal(Frames, head.RefCount);

        var pages = new Page[4];
        Assert.Equal(-(int)Errno.EOPNOTSUPP, machine.Pin(address, 4, GupFlags.SplitPmd, pages));
        Assert.Equal(-(int)Errno.EOPNOTSUPP, Gup.PinUserPagesUnlocked(machine.Mm, address, 4, GupFlags.Write | GupFlags.SplitPmd, pages));
        Assert.Equal(-(int)Errno.EOPNOTSUPP, machine.Get(address, 4, GupFlags.SplitPmd, pages));
        Assert.All(pages, p => Assert.True(p.IsNull));
        Assert.True(IsPmdMapped(machine, address));
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, head.PinCount);
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);

        // The same pin without the flag is fine.
        Assert.Equal(4, machine.Pin(address, 4, GupFlags.None, pages));
        Assert.Equal(4, head.PinCount);
        Gup.UnpinUserPages(pages);
    }
}
