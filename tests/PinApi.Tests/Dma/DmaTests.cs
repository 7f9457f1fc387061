namespace PinApi.Tests;

/// <summary>The device side: DMA writes land in the frames, with no fault, and the IOMMU translates by IOVA.</summary>
public class DmaTests
{
    [Fact]
    public void A_device_write_lands_in_the_pinned_pages_and_the_process_sees_it()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var pages = new PinnedPage[2];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, address, 2, GupFlags.Write, pages));
        var device = new DmaDevice(machine.Memory, "nic0");
        using var mapping = device.MapPages(pages);
        var bytes = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();

        // Straddles the page boundary.
        mapping.DeviceWrite(Machine.Page - 50, bytes);
        var seen = new byte[100];
        Assert.Equal(0, machine.Mm.Read(address + (ulong)(Machine.Page - 50), seen));
        Assert.Equal(bytes, seen);
        var back = new byte[100];
        mapping.DeviceRead(Machine.Page - 50, back);
        Assert.Equal(bytes, back);
        Assert.Equal(0, device.UnpinnedWrites);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.DeviceWrite(mapping.Length - 1, bytes));
        mapping.Unmap();
        Assert.Throws<InvalidOperationException>(() => mapping.DeviceWrite(0, bytes));
        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
    }

    [Fact]
    public void The_iommu_translates_enforces_permissions_and_counts_writes_into_unpinned_frames()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var pages = new Page[2];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, address, 2, GupFlags.Write, pages));
        var iommu = new Iommu(machine.Memory);
        const ulong iova = 0x10_0000;
        Assert.Equal(0, iommu.Map(iova, pages, Protection.ReadWrite));
        Assert.Equal(-(int)Errno.EEXIST, iommu.Map(iova, pages[0], Protection.Read));
        Assert.Equal(-(int)Errno.EINVAL, iommu.Map(iova + 1, pages[0], Protection.Read));
        Assert.Equal(2, iommu.MappedPages);
        Assert.Equal(0, iommu.DeviceWrite(iova + 10, "hello"u8));
        Assert.Equal((byte)'h', pages[0].Data[10]);
        Assert.Equal(-(int)Errno.EFAULT, iommu.DeviceWrite(iova + (ulong)(2 * Machine.Page), "x"u8));
        Assert.True(iommu.TryTranslate(iova + (ulong)Machine.Page + 7, out var translated, out var protection));
        Assert.Equal(pages[1], translated);
        Assert.Equal(Protection.ReadWrite, protection);

        // Unpinned while still mapped: the device can still write, and the IOMMU knows it was not pinned.
        Gup.UnpinUserPages(pages);
        Assert.Equal(0, machine.Mm.Munmap(address, (ulong)(2 * Machine.Page)));
        Assert.True(pages[0].IsFree);
        Assert.Equal(0, iommu.DeviceWrite(iova, "stray"u8));
        Assert.Equal(1, iommu.UnpinnedWrites);
        Assert.Equal((ulong)(2 * Machine.Page), iommu.Unmap(iova, (ulong)(2 * Machine.Page)));
        Assert.Equal(0, iommu.MappedPages);
    }
}
