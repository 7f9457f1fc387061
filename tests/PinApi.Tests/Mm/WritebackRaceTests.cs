namespace PinApi.Tests;

/// <summary>
/// KERNEL.md §1: the race that motivated FOLL_PIN, on a real file. Writeback runs while a device writes into a
/// shared file mapping; only pins with pin-aware writeback get the device's data to the disk.
/// </summary>
public class WritebackRaceTests
{
    private static readonly byte[] DeviceData = "written by the device during writeback"u8.ToArray();

    [Theory]
    [InlineData(false, WritebackPolicy.Legacy, false)]
    [InlineData(false, WritebackPolicy.PinAware, false)]
    [InlineData(true, WritebackPolicy.Legacy, false)]
    [InlineData(true, WritebackPolicy.PinAware, true)]
    public void Device_data_reaches_the_disk_only_with_pins_and_pin_aware_writeback(bool pin, WritebackPolicy policy, bool kept)
    {
        using var machine = new Machine();
        using var file = machine.File(2);
        var address = machine.Mm.Mmap((ulong)(2 * Machine.Page), Protection.ReadWrite, VmaKind.FileShared, file);
        Assert.Equal(0, machine.Mm.Fill(address, 2 * Machine.Page, (byte)'.'));
        var pages = new Page[2];
        var taken = pin
            ? Gup.PinUserPagesFast(machine.Mm, address, 2, GupFlags.Write, pages)
            : Gup.GetUserPagesFast(machine.Mm, address, 2, GupFlags.Write, pages);
        Assert.Equal(2, taken);
        var device = new DmaDevice(machine.Memory);
        var mapping = device.MapPages(pages);

        var during = file.Writeback(policy);
        Assert.Equal(pin && policy == WritebackPolicy.PinAware ? new WritebackResult(0, 2, 0) : new WritebackResult(2, 0, 0), during);

        mapping.DeviceWrite(0, DeviceData);
        mapping.DeviceWrite(Machine.Page, DeviceData);
        mapping.Unmap();
        Assert.Equal(pin ? 0 : 2, device.UnpinnedWrites);
        if (pin)
        {
            Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
        }
        else
        {
            foreach (var page in pages)
            {
                Gup.SetPageDirtyLock(page);
                Gup.PutPage(page);
            }
        }

        var after = file.Writeback(policy);
        Assert.Equal(kept ? new WritebackResult(2, 0, 0) : new WritebackResult(0, 0, 2), after);
        Assert.Equal(kept ? 0 : 2, machine.Memory.VmStat[VmStatItem.WritebackLost]);
        file.DropCaches();
        var onDisk = file.ReadFromDisk(Machine.Page, DeviceData.Length);
        Assert.Equal(kept, onDisk.AsSpan().SequenceEqual(DeviceData));
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void Pin_aware_writeback_still_writes_pages_that_are_not_pinned()
    {
        using var machine = new Machine();
        using var file = machine.File(3);
        var address = machine.Mm.Mmap((ulong)(3 * Machine.Page), Protection.ReadWrite, VmaKind.FileShared, file);
        Assert.Equal(0, machine.Mm.Fill(address, 3 * Machine.Page, 0x61));
        var pinned = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.Write, pinned));
        Assert.Equal(new WritebackResult(2, 1, 0), machine.Mm.Writeback(WritebackPolicy.PinAware));
        Assert.Equal(0x61, file.ReadFromDisk(2 * Machine.Page, 1)[0]);
        Gup.UnpinUserPagesDirtyLock(pinned, makeDirty: true);
        Assert.Equal(new WritebackResult(1, 0, 0), machine.Mm.Writeback(WritebackPolicy.PinAware));
        Assert.Equal(0x61, file.ReadFromDisk(0, 1)[0]);
    }

    [Fact]
    public void A_store_after_writeback_write_faults_again_so_ordinary_data_is_never_lost()
    {
        using var machine = new Machine();
        using var file = machine.File(1);
        var address = machine.Mm.Mmap((ulong)Machine.Page, Protection.ReadWrite, VmaKind.FileShared, file);
        Assert.Equal(0, machine.Mm.Write(address, "one"u8));
        Assert.Equal(new WritebackResult(1, 0, 0), machine.Mm.Writeback(WritebackPolicy.Legacy));
        Assert.Equal(0, machine.Mm.Write(address, "two"u8));
        Assert.Equal(new WritebackResult(1, 0, 0), machine.Mm.Writeback(WritebackPolicy.Legacy));
        Assert.Equal("two"u8.ToArray(), file.ReadFromDisk(0, 3));
    }

    [Fact]
    public void Closing_the_file_detaches_a_still_pinned_page_which_survives_until_unpinned()
    {
        using var machine = new Machine();
        var file = machine.File(1);
        var address = machine.Mm.Mmap((ulong)Machine.Page, Protection.ReadWrite, VmaKind.FileShared, file);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.Write, pages));
        Assert.Equal(0, machine.Mm.Munmap(address, (ulong)Machine.Page));
        file.Dispose();
        Assert.False(pages[0].IsFree);
        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
        Assert.True(pages[0].IsFree);
    }
}
