namespace PinApi.Tests;

/// <summary>KERNEL.md §6: dirtying before release, under the page lock.</summary>
public class DirtyingTests
{
    [Fact]
    public void Unpin_dirty_lock_marks_each_page_dirty_then_unpins()
    {
        using var machine = new Machine();
        var address = machine.Anon(3);
        var pages = new Page[3];
        Assert.Equal(3, Gup.PinUserPagesFast(machine.Mm, address, 3, GupFlags.Write, pages));
        var dirtied = machine.Memory.VmStat[VmStatItem.NrDirtied];
        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
        Assert.All(pages, p => Assert.True(p.IsDirty));
        Assert.All(pages, p => Assert.False(p.IsLocked));
        Assert.Equal(dirtied + 3, machine.Memory.VmStat[VmStatItem.NrDirtied]);
    }

    [Fact]
    public void Unpin_dirty_lock_without_make_dirty_only_unpins()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.None, pages));
        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: false);
        Assert.False(pages[0].IsDirty);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void Unpin_range_dirty_lock_covers_physically_contiguous_subpages_of_a_huge_page()
    {
        using var machine = new Machine(hugePages: 1);
        var address = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        var pages = new PinnedPage[16];
        Assert.Equal(16, Gup.PinUserPagesFast(machine.Mm, address, 16, GupFlags.Write, pages));
        Assert.Equal(pages[0].Page.Pfn + 15, pages[15].Page.Pfn);
        Gup.UnpinUserPageRangeDirtyLock(pages[0], 16, makeDirty: true);
        Assert.True(pages[0].Page.IsDirty);
        Assert.Equal(0, pages[0].Page.CompoundHead.PinCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gup.UnpinUserPageRangeDirtyLock(pages[0], -1, makeDirty: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gup.UnpinUserPageRangeDirtyLock(pages[0], long.MaxValue, makeDirty: true));
    }

    [Fact]
    public void Set_page_dirty_lock_takes_and_drops_the_page_lock()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.Write, pages));
        Gup.LockPage(pages[0]);
        Assert.True(pages[0].IsLocked);

        // set_page_dirty_lock waits for the lock: it completes only after we unlock.
        var dirtier = new BackgroundThread<bool>(() => Gup.SetPageDirtyLock(pages[0]));
        Assert.False(dirtier.Join(TimeSpan.FromMilliseconds(100)));
        Assert.False(pages[0].IsDirty);
        Gup.UnlockPage(pages[0]);
        Assert.True(dirtier.Join(TimeSpan.FromSeconds(10)));
        Assert.True(dirtier.Result);
        Assert.True(pages[0].IsDirty);
        Assert.False(pages[0].IsLocked);
        Assert.False(Gup.SetPageDirty(pages[0]));
        Assert.Throws<InvalidOperationException>(() => Gup.UnlockPage(pages[0]));
        Gup.PutPage(pages[0]);
    }

    [Fact]
    public void A_write_fault_on_a_shared_file_page_notifies_the_filesystem_and_dirties_it()
    {
        using var machine = new Machine();
        using var file = machine.File(2);
        var address = machine.Mm.Mmap((ulong)(2 * Machine.Page), Protection.ReadWrite, VmaKind.FileShared, file);
        var buffer = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address, buffer));
        Assert.True(machine.Mm.TryGetMappedPage(address, out var page));
        Assert.False(page.IsDirty);
        Assert.Equal(0, machine.Mm.Write(address, new byte[] { 0xEE }));
        Assert.True(page.IsDirty);
        Assert.Equal(new WritebackResult(1, 0, 0), machine.Mm.Writeback(WritebackPolicy.Legacy));
        Assert.Equal(0xEE, file.ReadFromDisk(0, 1)[0]);
        Assert.False(page.IsDirty);
    }
}
