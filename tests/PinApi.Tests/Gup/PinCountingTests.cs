namespace PinApi.Tests;

/// <summary>KERNEL.md §5: the pin bias, the compound pincount, <c>page_maybe_dma_pinned</c>, overflow, the zero page.</summary>
public class PinCountingTests
{
    [Fact]
    public void I1_a_pin_on_a_small_page_adds_the_bias_and_an_unpin_takes_it_back()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.None, pages));
        Assert.Equal(1 + PhysicalMemory.GupPinCountingBias, pages[0].RefCount);
        Assert.True(Gup.PageMaybeDmaPinned(pages[0]));
        Gup.UnpinUserPage(pages[0]);
        Assert.Equal(1, pages[0].RefCount);
        Assert.False(Gup.PageMaybeDmaPinned(pages[0]));
    }

    [Fact]
    public void I3_a_get_reference_adds_one_and_never_looks_pinned()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.None, pages));
        Assert.Equal(2, pages[0].RefCount);
        Assert.False(Gup.PageMaybeDmaPinned(pages[0]));
        Gup.PutPage(pages[0]);
        Assert.Equal(1, pages[0].RefCount);
    }

    [Fact]
    public void Page_maybe_dma_pinned_has_false_positives_on_small_pages_as_the_kernel_documents()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var page = new Page[1];
        var refs = new Page[PhysicalMemory.GupPinCountingBias];
        using (machine.Mm.MmapReadLock())
        {
            for (var i = 0; i < refs.Length; i++)
            {
                Assert.Equal(1, Gup.GetUserPages(machine.Mm, address, 1, GupFlags.None, page));
                refs[i] = page[0];
            }
        }

        // 1024 FOLL_GET references look like one pin (§5.1).
        Assert.True(Gup.PageMaybeDmaPinned(page[0]));
        foreach (var got in refs)
        {
            Gup.PutPage(got);
        }

        Assert.False(Gup.PageMaybeDmaPinned(page[0]));
    }

    [Fact]
    public void I1_a_pin_on_a_huge_page_adds_one_to_the_head_refcount_and_one_to_the_exact_pincount()
    {
        using var machine = new Machine(hugePages: 2);
        var address = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        var pages = new Page[PhysicalMemory.HugePageFrames];
        Assert.Equal(pages.Length, machine.Pin(address, pages.Length, GupFlags.Write, pages));
        var head = pages[0].CompoundHead;
        Assert.True(head.IsCompound);
        Assert.Equal(PhysicalMemory.HugePageOrder, head.Order);
        Assert.All(pages, p => Assert.Equal(head, p.CompoundHead));

        // 512 PTE references plus one per pinned subpage; the pincount is exact.
        Assert.Equal(PhysicalMemory.HugePageFrames * 2, head.RefCount);
        Assert.Equal(PhysicalMemory.HugePageFrames, head.PinCount);
        Assert.Equal(PhysicalMemory.HugePageFrames, machine.Memory.VmStat.NrFollPinAcquired);

        Gup.UnpinUserPages(pages);
        Assert.Equal(0, head.PinCount);
        Assert.False(Gup.PageMaybeDmaPinned(head));
        Assert.Equal(machine.Memory.VmStat.NrFollPinAcquired, machine.Memory.VmStat.NrFollPinReleased);
    }

    [Fact]
    public void A_get_reference_on_a_huge_page_never_touches_the_pincount()
    {
        using var machine = new Machine(hugePages: 1);
        var address = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        var pages = new Page[4];
        Assert.Equal(4, machine.Get(address, 4, GupFlags.Write, pages));
        Assert.Equal(0, pages[0].PinCount);
        Assert.False(Gup.PageMaybeDmaPinned(pages[3]));
        foreach (var page in pages)
        {
            Gup.PutPage(page);
        }
    }

    [Fact]
    public void Transparent_huge_pages_are_compound_and_pinned_through_their_head()
    {
        using var machine = new Machine(normalPages: 4096);
        var address = machine.Mm.Mmap(2 * (ulong)PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, machine.Mm.Madvise(address, 2 * (ulong)PhysicalMemory.HugePageSize, Advice.HugePage));
        var block = (address + PhysicalMemory.HugePageSize - 1) & ~(ulong)(PhysicalMemory.HugePageSize - 1);
        var pages = new Page[8];
        Assert.Equal(8, Gup.PinUserPagesFast(machine.Mm, block, 8, GupFlags.Write, pages));
        Assert.True(pages[0].IsCompound);
        Assert.Equal(8, pages[0].CompoundHead.PinCount);
        Assert.Equal(1, machine.Memory.VmStat[VmStatItem.ThpFaultAlloc]);
        Gup.UnpinUserPages(pages);
        Assert.Equal(0, pages[0].CompoundHead.PinCount);
    }

    [Fact]
    public void A_refcount_that_would_overflow_makes_gup_fail_with_ENOMEM_and_changes_nothing()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var pages = new Page[2];
        Assert.True(machine.Mm.TryGetMappedPage(address, out var first));
        var head = first.Pfn;

        // Bring the count within one bias of int.MaxValue, as ~2 million pins would.
        var nearMax = int.MaxValue - PhysicalMemory.GupPinCountingBias + 1;
        var before = first.RefCount;
        machine.Memory.Frames.RefCount(head) = nearMax;
        Assert.Equal(-(int)Errno.ENOMEM, machine.Pin(address, 2, GupFlags.None, pages));
        Assert.Equal(nearMax, first.RefCount);
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);

        // A GET still fits (+1), and a pin of the second page alone still works.
        Assert.Equal(1, machine.Get(address, 1, GupFlags.None, pages));
        Gup.PutPage(pages[0]);
        machine.Memory.Frames.RefCount(head) = before;
        Assert.Equal(1, machine.Pin(address + (ulong)Machine.Page, 1, GupFlags.None, pages));
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void An_overflow_after_the_first_page_returns_the_partial_count()
    {
        using var machine = new Machine();
        var address = machine.Anon(3);
        Assert.True(machine.Mm.TryGetMappedPage(address + (ulong)(2 * Machine.Page), out var third));
        var before = third.RefCount;
        machine.Memory.Frames.RefCount(third.Pfn) = int.MaxValue - 10;
        var pages = new Page[3];
        Assert.Equal(2, machine.Pin(address, 3, GupFlags.None, pages));
        Assert.True(pages[2].IsNull);
        Gup.UnpinUserPages(pages.AsSpan(0, 2));
        machine.Memory.Frames.RefCount(third.Pfn) = before;
    }

    [Fact]
    public void Pins_of_the_zero_page_are_pretend_pins_not_counted_anywhere()
    {
        using var machine = new Machine();
        var address = machine.Anon(1, touch: false);
        var pages = new Page[1];
        var zeroRefs = machine.Memory.ZeroPage.RefCount;
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.None, pages));
        Assert.True(pages[0].IsZeroPage);
        Assert.Equal(zeroRefs, pages[0].RefCount);
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
        Assert.False(Gup.PageMaybeDmaPinned(pages[0]));
        Gup.UnpinUserPage(pages[0]);
        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinReleased);
    }

    [Fact]
    public void I2_vmstat_counts_logical_pins_and_balances_to_the_outstanding_ones()
    {
        using var machine = new Machine(hugePages: 1);
        var small = machine.Anon(10);
        var huge = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        var a = new Page[10];
        var b = new Page[3];
        Assert.Equal(10, Gup.PinUserPagesFast(machine.Mm, small, 10, GupFlags.Write, a));
        Assert.Equal(3, Gup.PinUserPagesUnlocked(machine.Mm, huge, 3, GupFlags.Write, b));
        Assert.Equal(13, machine.Memory.VmStat.OutstandingPins);
        Gup.UnpinUserPagesDirtyLock(a.AsSpan(0, 4), makeDirty: true);
        Gup.UnpinUserPage(b[1]);
        Assert.Equal(8, machine.Memory.VmStat.OutstandingPins);
        Gup.UnpinUserPages(a.AsSpan(4));
        Gup.UnpinUserPage(b[0]);
        Gup.UnpinUserPageRangeDirtyLock(b[2], 1, makeDirty: false);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
        Assert.Equal(13, machine.Memory.VmStat.NrFollPinReleased);
        Assert.Equal(13, machine.Memory.VmStat.Snapshot()["nr_foll_pin_acquired"]);
    }

    [Fact]
    public void One_page_may_carry_get_and_pin_references_at_once()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var got = new GotPage[1];
        var pinned = new PinnedPage[1];
        using (machine.Mm.MmapReadLock())
        {
            Assert.Equal(1, Gup.GetUserPages(machine.Mm, address, 1, GupFlags.None, got));
            Assert.Equal(1, Gup.PinUserPages(machine.Mm, address, 1, GupFlags.None, pinned));
        }

        Assert.Equal(got[0].Page, pinned[0].Page);
        Assert.Equal(2 + PhysicalMemory.GupPinCountingBias, got[0].Page.RefCount);
        Gup.PutPage(got[0]);
        Gup.UnpinUserPage(pinned[0]);
        Assert.Equal(1, got[0].Page.RefCount);
    }

    [Fact]
    public void A_pin_spanning_two_huge_pages_counts_each_folios_share_exactly()
    {
        using var machine = new Machine(hugePages: 2);
        var address = machine.Mm.Mmap(2 * (ulong)PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        Assert.Equal(0, machine.Mm.Fill(address, 2 * PhysicalMemory.HugePageSize, 1));
        var start = address + (ulong)((PhysicalMemory.HugePageFrames - 12) * Machine.Page);
        var pages = new PinnedPage[30];
        Assert.Equal(30, Gup.PinUserPagesFast(machine.Mm, start, 30, GupFlags.Write, pages));
        var first = pages[0].Page.CompoundHead;
        var second = pages[29].Page.CompoundHead;
        Assert.NotEqual(first, second);
        Assert.Equal(12, first.PinCount);
        Assert.Equal(18, second.PinCount);
        Assert.Equal(PhysicalMemory.HugePageFrames + 12, first.RefCount);
        Assert.Equal(30, machine.Memory.VmStat.NrFollPinAcquired);

        // Releasing a run that straddles the two folios gives each its own share back.
        Gup.UnpinUserPages(pages.AsSpan(5, 20));
        Assert.Equal(5, first.PinCount);
        Assert.Equal(5, second.PinCount);
        Gup.UnpinUserPages(pages.AsSpan(0, 5));
        Gup.UnpinUserPages(pages.AsSpan(25));
        Assert.Equal(0, first.PinCount + second.PinCount);
        Assert.Equal(PhysicalMemory.HugePageFrames, second.RefCount);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }
}
