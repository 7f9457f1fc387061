namespace PinApi.Tests;

/// <summary>Invariant I3 and KERNEL.md §10 rules 1 and 22 at run time: mismatched and repeated releases.</summary>
public class ReleaseMismatchTests
{
    [Fact]
    public void Unpinning_a_get_page_throws_names_the_page_and_changes_nothing()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.None, pages));
        var ex = Assert.Throws<PinStateException>(() => Gup.UnpinUserPage(pages[0]));
        Assert.Equal(pages[0], ex.Page);
        Assert.Contains($"0x{pages[0].Pfn:x}", ex.Message);
        Assert.Equal(2, pages[0].RefCount);
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinReleased);
        Gup.PutPage(pages[0]);
    }

    [Fact]
    public void Unpinning_a_get_page_of_a_huge_page_throws_because_its_pincount_is_exact()
    {
        using var machine = new Machine(hugePages: 1);
        var address = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        var pages = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.Write, pages));
        Assert.Throws<PinStateException>(() => Gup.UnpinUserPage(pages[0]));
        Gup.PutPage(pages[0]);
    }

    [Fact]
    public void A_double_unpin_throws_and_leaves_the_counters_exact()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.None, pages));
        Gup.UnpinUserPage(pages[0]);
        Assert.Throws<PinStateException>(() => Gup.UnpinUserPage(pages[0]));
        Assert.Equal(1, pages[0].RefCount);
        Assert.Equal(1, machine.Memory.VmStat.NrFollPinReleased);
    }

    [Fact]
    public void A_put_that_would_take_the_refcount_below_zero_throws()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.None, pages));
        Assert.Equal(0, machine.Mm.Munmap(address, (ulong)Machine.Page));
        Gup.PutPage(pages[0]);
        Assert.True(pages[0].IsFree);
        Assert.Throws<PinStateException>(() => Gup.PutPage(pages[0]));
        Assert.Equal(0, pages[0].RefCount);
    }

    [Fact]
    public void A_batch_with_one_bad_entry_is_refused_whole()
    {
        using var machine = new Machine();
        var address = machine.Anon(3);
        var pinned = new Page[2];
        var got = new Page[1];
        Assert.Equal(2, machine.Pin(address, 2, GupFlags.None, pinned));
        Assert.Equal(1, machine.Get(address + (ulong)(2 * Machine.Page), 1, GupFlags.None, got));
        var mixed = new[] { pinned[0], pinned[1], got[0] };
        Assert.Throws<PinStateException>(() => Gup.UnpinUserPages(mixed));
        Assert.Throws<PinStateException>(() => Gup.UnpinUserPagesDirtyLock(mixed, makeDirty: true));
        Assert.All(pinned, p => Assert.True(Gup.PageMaybeDmaPinned(p)));
        Assert.All(pinned, p => Assert.False(p.IsDirty));
        Assert.Equal(2, machine.Memory.VmStat.OutstandingPins);
        Gup.UnpinUserPages(pinned);
        Gup.PutPage(got[0]);
    }

    [Fact]
    public void Null_entries_are_skipped_by_unpin_but_refused_on_the_dirtying_path()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[2];
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.None, pages));
        Assert.Throws<ArgumentException>(() => Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true));
        Assert.Equal(1, machine.Memory.VmStat.OutstandingPins);
        Gup.UnpinUserPages(pages);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
        Assert.Throws<ArgumentException>(() => Gup.UnpinUserPage(default(Page)));
        Assert.Throws<ArgumentException>(() => Gup.PutPage(default(GotPage)));
    }

    [Fact]
    public void With_the_tracker_on_a_put_of_a_pinned_page_names_the_call_site_that_pinned_it()
    {
        using var machine = new Machine();
        machine.Memory.PinTracker.Enabled = true;
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.None, pages));

        // Without the tracker a PutPage on a small pinned page is indistinguishable from a put of another GET
        // reference; with it, the release is checked against what was taken and where.
        var ex = Assert.Throws<PinStateException>(() => Gup.PutPage(pages[0]));
        Assert.NotNull(ex.AcquiredAt);
        Assert.Contains(nameof(With_the_tracker_on_a_put_of_a_pinned_page_names_the_call_site_that_pinned_it), ex.AcquiredAt);
        Assert.Equal(1 + PhysicalMemory.GupPinCountingBias, pages[0].RefCount);
        Gup.UnpinUserPage(pages[0]);
        Assert.Empty(machine.Memory.PinTracker.Outstanding);
    }

    [Fact]
    public void With_the_tracker_on_outstanding_lists_every_live_reference_for_leak_reports()
    {
        using var machine = new Machine();
        machine.Memory.PinTracker.Enabled = true;
        var address = machine.Anon(3);
        var pinned = new Page[2];
        var got = new Page[1];
        Assert.Equal(2, machine.Pin(address, 2, GupFlags.None, pinned));
        Assert.Equal(1, machine.Get(address + (ulong)(2 * Machine.Page), 1, GupFlags.None, got));
        var outstanding = machine.Memory.PinTracker.Outstanding;
        Assert.Equal(3, outstanding.Count);
        Assert.Equal(2, outstanding.Count(r => r.Kind == PageRef.Pin));
        Assert.All(outstanding, r => Assert.Contains("Machine", r.CallSite));
        Gup.UnpinUserPage(pinned[0]);
        Assert.Equal(2, machine.Memory.PinTracker.Outstanding.Count);
        var ex = Assert.Throws<PinStateException>(() => Gup.UnpinUserPage(got[0]));
        Assert.Contains("FOLL_GET", ex.Message);
        Gup.UnpinUserPage(pinned[1]);
        Gup.PutPage(got[0]);
        Assert.Empty(machine.Memory.PinTracker.Outstanding);
    }

    [Fact]
    public void Legacy_put_user_page_behaves_as_the_seed_era_plain_put_page()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var pages = new Page[2];
        Assert.Equal(2, machine.Get(address, 2, GupFlags.Write, pages));
        Gup.PutUserPage(pages[0]);
        Gup.PutUserPagesDirtyLock(pages.AsSpan(1), makeDirty: true);
        Assert.All(pages, p => Assert.Equal(1, p.RefCount));
        Assert.True(pages[1].IsDirty);
        Assert.Throws<PinStateException>(() => Gup.PutUserPages(new[] { machine.Memory.PfnToPage(machine.Memory.TotalFrames - 1) }));
    }

    [Fact]
    public void A_page_from_another_machine_is_refused()
    {
        using var a = new Machine();
        using var b = new Machine();
        var address = a.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, a.Pin(address, 1, GupFlags.None, pages));
        var mapping = new DmaDevice(b.Memory);
        Assert.Throws<ArgumentException>(() => mapping.MapPages(pages));
        Gup.UnpinUserPage(pages[0]);
    }
}
