namespace PinApi.Tests;

/// <summary>KERNEL.md §2.4: who holds the mmap lock for which entry point, and the <c>locked</c> protocol.</summary>
public class LockingTests
{
    [Fact]
    public void Locked_variants_require_the_caller_to_hold_the_mmap_lock()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Throws<InvalidOperationException>(() => Gup.PinUserPages(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Throws<InvalidOperationException>(() => Gup.GetUserPages(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Throws<InvalidOperationException>(() => Gup.PinUserPagesRemote(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
    }

    [Fact]
    public void Unlocked_and_fast_variants_refuse_a_caller_that_holds_the_lock()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        using var _ = machine.Mm.MmapReadLock();
        Assert.Throws<InvalidOperationException>(() => Gup.PinUserPagesUnlocked(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Throws<InvalidOperationException>(() => Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Throws<InvalidOperationException>(() => machine.Mm.MmapReadLock());
    }

    [Fact]
    public void Fast_only_works_with_or_without_the_lock_because_it_never_takes_it()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        using (machine.Mm.MmapReadLock())
        {
            Assert.Equal(1, Gup.PinUserPagesFastOnly(machine.Mm, address, 1, GupFlags.None, pages));
        }

        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Remote_with_locked_drops_the_lock_to_read_from_disk_and_retakes_it()
    {
        using var machine = new Machine();
        using var file = machine.File(4);
        var address = machine.Mm.Mmap((ulong)(4 * Machine.Page), Protection.Read, VmaKind.FileShared, file);
        var pages = new Page[4];
        var major = machine.Memory.VmStat[VmStatItem.PgMajFault];
        using (machine.Mm.MmapReadLock())
        {
            var locked = true;
            Assert.Equal(4, Gup.PinUserPagesRemote(machine.Mm, address, 4, GupFlags.None, pages, ref locked));
            Assert.True(locked);
            Assert.True(machine.Mm.IsMmapLockHeld);
        }

        Assert.Equal(major + 4, machine.Memory.VmStat[VmStatItem.PgMajFault]);
        Assert.Equal(4, pages[3].Data[0]);
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void Munmap_waits_for_the_mmap_lock_held_by_a_gup_caller()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        BackgroundThread<int> unmap;
        using (machine.Mm.MmapReadLock())
        {
            unmap = new BackgroundThread<int>(() => machine.Mm.Munmap(address, (ulong)Machine.Page));
            Assert.False(unmap.Join(TimeSpan.FromMilliseconds(100)));
            Assert.NotNull(machine.Mm.FindVma(address));
        }

        Assert.True(unmap.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, unmap.Result);
        Assert.Null(machine.Mm.FindVma(address));
    }
}
