namespace PinApi.Tests;

/// <summary>Faults, COW, protections and FOLL_FORCE (KERNEL.md §3.4).</summary>
public class FaultTests
{
    [Fact]
    public void A_write_to_a_read_only_vma_is_EFAULT_without_force_and_a_private_copy_with_it()
    {
        using var machine = new Machine();
        using var file = machine.File(1);
        var address = machine.Mm.Mmap((ulong)Machine.Page, Protection.Read, VmaKind.FilePrivate, file);
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(address, 1, GupFlags.Write, pages));
        Assert.Equal(-(int)Errno.EFAULT, machine.Mm.Write(address, new byte[] { 1 }));

        // ptrace-style FOLL_FORCE: a private copy, leaving the file's page cache untouched.
        Assert.Equal(1, machine.Get(address, 1, GupFlags.Write | GupFlags.Force, pages));
        Assert.True(pages[0].IsAnon);
        pages[0].Data[0] = 0x42;
        Gup.SetPageDirtyLock(pages[0]);
        Gup.PutPage(pages[0]);
        var seen = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address, seen));
        Assert.Equal(0x42, seen[0]);
        Assert.Equal(1, file.ReadFromDisk(0, 1)[0]);
        Assert.Equal(default, file.Writeback(WritebackPolicy.Legacy));
    }

    [Fact]
    public void Force_cannot_write_into_a_shared_mapping_without_write_permission()
    {
        using var machine = new Machine();
        using var file = machine.File(1);
        var address = machine.Mm.Mmap((ulong)Machine.Page, Protection.Read, VmaKind.FileShared, file);
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(address, 1, GupFlags.Write | GupFlags.Force, new Page[1]));
    }

    [Fact]
    public void Force_reads_a_vma_without_read_permission()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        Assert.Equal(0, machine.Mm.Mprotect(address, (ulong)Machine.Page, Protection.None));
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(address, 1, GupFlags.None, pages));
        Assert.Equal(1, machine.Get(address, 1, GupFlags.Force, pages));
        Gup.PutPage(pages[0]);
    }

    [Fact]
    public void A_write_pin_of_the_zero_page_breaks_cow_and_pins_a_private_page()
    {
        using var machine = new Machine();
        var address = machine.Anon(1, touch: false);
        var seen = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address, seen));
        Assert.True(machine.Mm.TryGetMappedPage(address, out var zero));
        Assert.True(zero.IsZeroPage);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.Write, pages));
        Assert.False(pages[0].IsZeroPage);
        pages[0].Data[5] = 9;
        Assert.Equal(0, machine.Mm.Read(address + 5, seen));
        Assert.Equal(9, seen[0]);
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Pinned_pages_outlive_munmap_and_the_address_space_and_are_freed_at_the_last_unpin()
    {
        using var machine = new Machine(normalPages: 64);
        var address = machine.Anon(2);
        var pages = new Page[2];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, address, 2, GupFlags.Write, pages));
        var free = machine.Memory.FreePages(Zone.Normal);
        machine.Mm.Dispose();
        Assert.Equal(free, machine.Memory.FreePages(Zone.Normal));
        Assert.Equal(PhysicalMemory.GupPinCountingBias, pages[0].RefCount);
        Gup.UnpinUserPages(pages);
        Assert.Equal(free + 2, machine.Memory.FreePages(Zone.Normal));
        Assert.True(pages[1].IsFree);
    }

    [Fact]
    public void Munmap_of_part_of_a_mapping_splits_it_and_keeps_the_rest_mapped()
    {
        using var machine = new Machine();
        var address = machine.Anon(4);
        Assert.Equal(0, machine.Mm.Write(address + (ulong)(3 * Machine.Page), new byte[] { 3 }));
        Assert.Equal(0, machine.Mm.Munmap(address + (ulong)Machine.Page, (ulong)(2 * Machine.Page)));
        Assert.NotNull(machine.Mm.FindVma(address));
        Assert.Null(machine.Mm.FindVma(address + (ulong)Machine.Page));
        var seen = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address + (ulong)(3 * Machine.Page), seen));
        Assert.Equal(3, seen[0]);
        var pages = new Page[4];
        Assert.Equal(1, machine.Pin(address, 4, GupFlags.None, pages));
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Hugetlb_faults_take_pages_from_the_pool_and_give_them_back_on_munmap()
    {
        using var machine = new Machine(hugePages: 2);
        var address = machine.Mm.Mmap(2 * (ulong)PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        Assert.Equal(2, machine.Memory.HugePagesFree);
        Assert.Equal(0, machine.Mm.Write(address, new byte[] { 1 }));
        Assert.Equal(1, machine.Memory.HugePagesFree);
        Assert.Equal(0, machine.Mm.Write(address + PhysicalMemory.HugePageSize + 5, new byte[] { 1 }));
        Assert.Equal(0, machine.Memory.HugePagesFree);
        var third = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        Assert.Equal(-(int)Errno.EFAULT, machine.Mm.Write(third, new byte[] { 1 }));
        Assert.Equal(0, machine.Mm.Munmap(address, 2 * (ulong)PhysicalMemory.HugePageSize));
        Assert.Equal(2, machine.Memory.HugePagesFree);
    }

    [Fact]
    public void Mmap_refuses_bad_arguments_precisely()
    {
        using var machine = new Machine();
        using var file = machine.File(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => machine.Mm.Mmap(0, Protection.Read, VmaKind.AnonymousPrivate));
        Assert.Throws<ArgumentNullException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.FileShared));
        Assert.Throws<ArgumentException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.AnonymousPrivate, file));
        Assert.Throws<ArgumentException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.FsDax, file));
        Assert.Throws<ArgumentException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.FileShared, file, fileOffset: 100));
        Assert.Throws<ArgumentException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.AnonymousPrivate, address: 0x1001));
        var taken = machine.Anon(1);
        Assert.Throws<ArgumentException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.AnonymousPrivate, address: taken));
        Assert.Equal(-(int)Errno.EINVAL, machine.Mm.Munmap(taken + 1, 4096));
        Assert.Equal(-(int)Errno.ENOMEM, machine.Mm.Mprotect(taken + (ulong)(8 * Machine.Page), 4096, Protection.Read));
    }

    [Fact]
    public void Locked_and_pinned_vm_accounting_is_refused_past_rlimit_memlock()
    {
        using var machine = new Machine();
        machine.Mm.RlimitMemlock = 4 * (ulong)Machine.Page;
        Assert.Equal(0, machine.Mm.AccountLockedVm(3, increment: true));
        Assert.Equal(-(int)Errno.ENOMEM, machine.Mm.AccountLockedVm(2, increment: true));
        Assert.Equal(3, machine.Mm.LockedVm);
        Assert.Equal(0, machine.Mm.AccountLockedVm(3, increment: false));
        Assert.Throws<InvalidOperationException>(() => machine.Mm.AccountLockedVm(1, increment: false));
        Assert.Equal(0, machine.Mm.AccountPinnedVm(4, increment: true));
        Assert.Equal(4, machine.Mm.PinnedVm);
    }
}
