namespace PinApi.Tests;

/// <summary>KERNEL.md §4: FOLL_LONGTERM rules, including migration out of ZONE_MOVABLE and CMA (I5).</summary>
public class LongtermTests
{
    [Fact]
    public void Longterm_on_fs_dax_is_refused_with_EOPNOTSUPP_and_a_short_term_pin_is_fine()
    {
        using var machine = new Machine(devicePages: 64);
        using var file = machine.File(4, dax: true);
        var address = machine.Mm.Mmap((ulong)(4 * Machine.Page), Protection.ReadWrite, VmaKind.FsDax, file);
        var pages = new Page[4];
        Assert.Equal(-(int)Errno.EOPNOTSUPP, machine.Pin(address, 4, GupFlags.Longterm | GupFlags.Write, pages));
        Assert.Equal(-(int)Errno.EOPNOTSUPP, Gup.PinUserPagesFast(machine.Mm, address, 4, GupFlags.Longterm, pages));
        Assert.Equal(4, machine.Pin(address, 4, GupFlags.Write, pages));
        Assert.All(pages, p => Assert.Equal(Zone.Device, p.Zone));
        Assert.Equal(3, pages[2].Data[0]);
        Gup.UnpinUserPages(pages);
    }

    [Theory]
    [InlineData(Zone.Movable)]
    [InlineData(Zone.Cma)]
    public void I5_a_longterm_pin_migrates_a_movable_page_to_normal_with_its_contents_and_pte(Zone zone)
    {
        using var machine = new Machine(normalPages: 256, movablePages: zone == Zone.Movable ? 64 : 0, cmaPages: zone == Zone.Cma ? 64 : 0);
        var address = machine.Mm.Mmap(2 * (ulong)Machine.Page, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        var payload = "pinned for the device"u8.ToArray();
        Assert.Equal(0, machine.Mm.Write(address + 100, payload));
        Assert.Equal(0, machine.Mm.Fill(address + (ulong)Machine.Page, Machine.Page, 0x5a));
        Assert.True(machine.Mm.TryGetMappedPage(address, out var original));
        Assert.Equal(zone, original.Zone);

        var pages = new Page[2];
        Assert.Equal(2, machine.Pin(address, 2, GupFlags.Longterm | GupFlags.Write, pages));
        Assert.All(pages, p => Assert.Equal(Zone.Normal, p.Zone));
        Assert.NotEqual(original, pages[0]);
        Assert.True(original.IsFree);
        Assert.Equal(payload, pages[0].Data.Slice(100, payload.Length).ToArray());
        Assert.All(pages[1].Data.ToArray(), b => Assert.Equal(0x5a, b));
        Assert.True(machine.Mm.TryGetMappedPage(address, out var mapped));
        Assert.Equal(pages[0], mapped);
        Assert.Equal(2, machine.Memory.VmStat[VmStatItem.PgMigrateSuccess]);

        // The process still sees its data, now through the new page, and its stores land there.
        var readBack = new byte[payload.Length];
        Assert.Equal(0, machine.Mm.Read(address + 100, readBack));
        Assert.Equal(payload, readBack);
        Assert.Equal(0, machine.Mm.Write(address, new byte[] { 0x77 }));
        Assert.Equal(0x77, pages[0].Data[0]);
        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void A_short_term_pin_leaves_a_movable_page_where_it_is()
    {
        using var machine = new Machine(normalPages: 64, movablePages: 64);
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.Write, pages));
        Assert.Equal(Zone.Movable, pages[0].Zone);
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Migration_fails_with_ENOMEM_when_someone_else_holds_a_reference_and_nothing_stays_pinned()
    {
        using var machine = new Machine(normalPages: 64, movablePages: 64);
        var address = machine.Anon(1);
        var other = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.None, other));
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.ENOMEM, machine.Pin(address, 1, GupFlags.Longterm, pages));
        Assert.True(pages[0].IsNull);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
        Assert.Equal(2, other[0].RefCount);
        Assert.Equal(1, machine.Memory.VmStat[VmStatItem.PgMigrateFail]);
        Gup.PutPage(other[0]);
    }

    [Fact]
    public void Migration_fails_with_ENOMEM_when_normal_memory_is_exhausted()
    {
        using var machine = new Machine(normalPages: 1, movablePages: 64, devicePages: 0);
        var address = machine.Anon(2);
        var first = new Page[1];

        // The first long-term pin takes the only Normal frame; the second has nowhere to migrate to.
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.Longterm, first));
        Assert.Equal(Zone.Normal, first[0].Zone);
        Assert.Equal(0, machine.Memory.FreePages(Zone.Normal));
        Assert.Equal(-(int)Errno.ENOMEM, machine.Pin(address + (ulong)Machine.Page, 1, GupFlags.Longterm, new Page[1]));
        Assert.Equal(1, machine.Memory.VmStat.OutstandingPins);
        Gup.UnpinUserPage(first[0]);
    }

    [Fact]
    public void Longterm_write_pins_of_shared_dirty_tracked_file_mappings_are_refused_but_reads_and_shmem_are_fine()
    {
        using var machine = new Machine();
        using var file = machine.File(2);
        var shared = machine.Mm.Mmap((ulong)(2 * Machine.Page), Protection.ReadWrite, VmaKind.FileShared, file);
        var pages = new Page[2];
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(shared, 2, GupFlags.Longterm | GupFlags.Write, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, shared, 2, GupFlags.Longterm | GupFlags.Write, pages));
        Assert.Equal(2, machine.Pin(shared, 2, GupFlags.Longterm, pages));
        Gup.UnpinUserPages(pages);

        var shmem = machine.Mm.Mmap((ulong)(2 * Machine.Page), Protection.ReadWrite, VmaKind.Shmem);
        Assert.Equal(2, machine.Pin(shmem, 2, GupFlags.Longterm | GupFlags.Write, pages));
        Gup.UnpinUserPages(pages);

        var priv = machine.Mm.Mmap((ulong)(2 * Machine.Page), Protection.ReadWrite, VmaKind.FilePrivate, file);
        Assert.Equal(2, machine.Pin(priv, 2, GupFlags.Longterm | GupFlags.Write, pages));
        Assert.All(pages, p => Assert.True(p.IsAnon));
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void Device_mappings_are_refused_with_EFAULT_by_every_flavour()
    {
        using var machine = new Machine(devicePages: 8);
        var address = machine.Mm.Mmap((ulong)(2 * Machine.Page), Protection.ReadWrite, VmaKind.Device);
        var pages = new Page[2];
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(address, 2, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(address, 2, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, address, 2, GupFlags.Longterm, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.GetUserPagesUnlocked(machine.Mm, address, 2, GupFlags.None, pages));

        // The process itself may still load and store there.
        Assert.Equal(0, machine.Mm.Write(address, new byte[] { 9 }));
    }

    [Fact]
    public void Seed_era_rule_remote_longterm_with_locked_is_refused_without_locked_it_works()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        using var _ = machine.Mm.MmapReadLock();
        var locked = true;
        Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPagesRemote(machine.Mm, address, 1, GupFlags.Longterm, pages, ref locked));
        Assert.Equal(1, Gup.PinUserPagesRemote(machine.Mm, address, 1, GupFlags.Longterm, pages));
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Split_pmd_on_hugetlb_is_EOPNOTSUPP_and_anon_refuses_file_mappings()
    {
        using var machine = new Machine(hugePages: 1);
        var huge = machine.Mm.Mmap(PhysicalMemory.HugePageSize, Protection.ReadWrite, VmaKind.Hugetlb);
        Assert.Equal(-(int)Errno.EOPNOTSUPP, machine.Get(huge, 1, GupFlags.SplitPmd, new Page[1]));
        using var file = machine.File(1);
        var mapped = machine.Mm.Mmap((ulong)Machine.Page, Protection.Read, VmaKind.FilePrivate, file);
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(mapped, 1, GupFlags.Anon, new Page[1]));
    }
}
