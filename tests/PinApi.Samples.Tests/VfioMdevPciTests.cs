using PinApi.Samples.Drivers;
using PinApi.Samples.VfioMdevPci;

namespace PinApi.Samples.Tests;

/// <summary>The vfio-mdev-pci sample driver (KERNEL.md §9.1) and both of its DMA backends.</summary>
public sealed class VfioMdevPciTests
{
    private const int GuestPages = 16;

    [Fact]
    public void Probe_refuses_non_normal_headers_SR_IOV_PFs_and_shared_IOMMU_groups()
    {
        using var memory = new PhysicalMemory(normalPages: 64);
        var driver = new VfioMdevPciDriver();
        var bridge = Singleton(new PciDevice("0000:00:1c.0", 0x8086, 0x2448, PciHeaderType.Bridge), memory);
        var pf = Singleton(new PciDevice("0000:02:00.0", 0x8086, 0x1528) { IsPhysFn = true, NumVfs = 2 }, memory);
        var group = new IommuGroup(9, new Iommu(memory));
        var a = new PciDevice("0000:03:00.0", 0x10ec, 0x8168) { IommuGroup = group };
        group.Devices.AddRange([a, new PciDevice("0000:03:00.1", 0x10ec, 0x8168) { IommuGroup = group }]);

        Assert.Equal(-(int)Errno.EINVAL, driver.Probe(bridge));
        Assert.Equal(-(int)Errno.EBUSY, driver.Probe(pf));
        Assert.Contains(driver.Log, line => line.Contains("Cannot bind to PF with SR-IOV enabled", StringComparison.Ordinal));
        Assert.Equal(-(int)Errno.EINVAL, driver.Probe(a));
        Assert.Empty(driver.Parents);

        // The same PF binds once SR-IOV is off.
        pf.NumVfs = 0;
        Assert.Equal(0, driver.Probe(pf));
    }

    [Fact]
    public void Ids_parameter_limits_probing_to_the_listed_devices()
    {
        using var memory = new PhysicalMemory(normalPages: 64);
        var driver = new VfioMdevPciDriver(ids: [(0x8086, 0x10fb)]);

        Assert.Equal(-(int)Errno.ENODEV, driver.Probe(Singleton(new PciDevice("0000:05:00.0", 0x10ec, 0x8168), memory)));
        Assert.Equal(0, driver.Probe(Singleton(new PciDevice("0000:01:00.0", 0x8086, 0x10fb), memory)));
    }

    [Fact]
    public void Type_attributes_create_and_remove()
    {
        using var memory = new PhysicalMemory(normalPages: 64);
        var driver = new VfioMdevPciDriver();
        var nic = Singleton(new PciDevice("0000:01:00.0", 0x8086, 0x10fb, classCode: 0x020000, revision: 2), memory);
        Assert.Equal(0, driver.Probe(nic));
        Assert.Equal("D3hot", nic.PowerState);

        var type = Assert.Single(driver.SupportedTypes(nic));
        Assert.Equal("8086:10fb:1af4:0001:020000:02", type.Name);
        Assert.Equal("vfio-pci", type.DeviceApi);
        Assert.Equal(1, type.AvailableInstances);

        Assert.Equal(-(int)Errno.EINVAL, driver.Create(nic, Guid.NewGuid(), "nope", out _));
        var uuid = Guid.NewGuid();
        Assert.Equal(0, driver.Create(nic, uuid, type.Name, out var mdev));
        Assert.Same(nic, mdev!.IommuDevice);
        Assert.Equal(-(int)Errno.EEXIST, driver.Create(nic, uuid, type.Name, out _));
        Assert.Equal(0, driver.RemoveMdev(mdev));
        Assert.Equal(-(int)Errno.ENODEV, driver.RemoveMdev(mdev));
    }

    [Fact]
    public void Open_and_release_enable_once_and_disable_on_the_last_release()
    {
        using var memory = new PhysicalMemory(normalPages: 64);
        var (driver, nic, mdev) = Bound(memory);

        Assert.Equal(0, driver.Open(mdev));
        Assert.Equal(0, driver.Open(mdev));
        Assert.Equal(2, mdev.Vdev.Reflck.RefCnt);
        Assert.True(nic.Enabled);
        Assert.Equal("D0", nic.PowerState);
        Assert.Equal(2, driver.ModuleRefCount);
        Assert.Equal(-(int)Errno.EBUSY, driver.RemoveMdev(mdev));

        driver.Release(mdev);
        Assert.True(nic.Enabled);
        driver.Release(mdev);
        Assert.False(nic.Enabled);
        Assert.Equal("D3hot", nic.PowerState);
        Assert.Equal(0, driver.ModuleRefCount);
        Assert.Equal(0, driver.RemoveMdev(mdev));
    }

    [Fact]
    public void Region_access_and_ioctls_are_forwarded_to_the_parent()
    {
        using var memory = new PhysicalMemory(normalPages: 64);
        var (driver, nic, mdev) = Bound(memory);
        var id = new byte[4];

        Assert.Equal(4, driver.Read(mdev, id, VfioPciDevice.IndexToOffset(VfioPciDevice.ConfigRegionIndex)));
        Assert.Equal(new byte[] { 0x86, 0x80, 0xfb, 0x10 }, id);
        Assert.Equal(8, driver.Write(mdev, "doorbell"u8, VfioPciDevice.IndexToOffset(VfioPciDevice.Bar0RegionIndex) + 0x40));
        Assert.Equal("doorbell"u8.ToArray(), nic.Bar0.AsSpan(0x40, 8).ToArray());
        Assert.Equal(-(int)Errno.EINVAL, driver.Read(mdev, new byte[8], VfioPciDevice.IndexToOffset(VfioPciDevice.ConfigRegionIndex) + 252));

        Assert.Equal(0, driver.Ioctl(mdev, VfioDeviceIoctl.GetInfo, 0, out var info));
        Assert.Equal(new VfioDeviceInfo(VfioPciDevice.DeviceFlags, 9, 5), info);
        Assert.Equal(0, driver.Ioctl(mdev, VfioDeviceIoctl.GetRegionInfo, VfioPciDevice.Bar0RegionIndex, out var bar));
        Assert.Equal((ulong)PhysicalMemory.PageSize, Assert.IsType<VfioRegionInfo>(bar).Size);
        Assert.Equal(-(int)Errno.EINVAL, driver.Ioctl(mdev, VfioDeviceIoctl.GetRegionInfo, 12, out _));
        Assert.Equal(0, driver.Ioctl(mdev, VfioDeviceIoctl.Reset, 0, out _));
        Assert.All(nic.Bar0, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Iommu_backed_map_pins_long_term_and_unmap_unpins_dirty()
    {
        using var memory = new PhysicalMemory(normalPages: 512, movablePages: 64);
        using var qemu = new AddressSpace(memory);
        var (driver, nic, mdev) = Bound(memory);
        var ram = GuestRam(qemu);
        Assert.Equal(0, driver.Open(mdev));
        driver.Write(mdev, BitConverter.GetBytes(PciDevice.CommandMemoryMaster), VfioPciDevice.IndexToOffset(VfioPciDevice.ConfigRegionIndex) + 4);
        var container = new VfioIommuType1(qemu, mdev.IommuDevice!.IommuGroup!.Domain);

        Assert.Equal(0, container.MapDma(ram, 0x10_0000, GuestPages * PhysicalMemory.PageSize, Protection.ReadWrite));
        Assert.Equal(GuestPages, memory.VmStat.OutstandingPins);
        Assert.Equal(GuestPages, qemu.LockedVm);
        Assert.Equal(GuestPages, container.Domain!.MappedPages);
        qemu.TryGetMappedPage(ram + (5 * PhysicalMemory.PageSize), out var target);
        Assert.False(target.IsDirty);

        var frame = "rx frame"u8.ToArray();
        Assert.Equal(0, nic.DmaWrite(0x10_0000 + (5 * PhysicalMemory.PageSize) + 16, frame));
        var back = new byte[frame.Length];
        qemu.Read(ram + (5 * PhysicalMemory.PageSize) + 16, back);
        Assert.Equal(frame, back);

        Assert.Equal(GuestPages * PhysicalMemory.PageSize, container.UnmapDma(0x10_0000, GuestPages * PhysicalMemory.PageSize));
        Assert.Equal(0, memory.VmStat.OutstandingPins);
        Assert.Equal(0, qemu.LockedVm);
        Assert.Equal(0, container.Domain.MappedPages);
        Assert.True(target.IsDirty, "put_pfn dirties what an IOMMU_WRITE mapping let the device write");
        Assert.Equal(-(int)Errno.EFAULT, nic.DmaWrite(0x10_0000, frame));
        driver.Release(mdev);
    }

    [Fact]
    public void Read_only_map_does_not_dirty_on_unmap()
    {
        using var memory = new PhysicalMemory(normalPages: 512);
        using var qemu = new AddressSpace(memory);
        var ram = GuestRam(qemu);
        var container = new VfioIommuType1(qemu, new Iommu(memory));

        Assert.Equal(0, container.MapDma(ram, 0, GuestPages * PhysicalMemory.PageSize, Protection.Read));
        Assert.Equal(-(int)Errno.EFAULT, container.Domain!.DeviceWrite(0, [1]));
        container.UnmapDma(0, GuestPages * PhysicalMemory.PageSize);
        qemu.TryGetMappedPage(ram, out var page);

        Assert.False(page.IsDirty);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void Locked_memory_limit_is_enforced_and_a_refused_map_leaves_nothing_pinned()
    {
        using var memory = new PhysicalMemory(normalPages: 512);
        using var qemu = new AddressSpace(memory) { RlimitMemlock = 8 * PhysicalMemory.PageSize };
        var ram = GuestRam(qemu);
        var container = new VfioIommuType1(qemu, new Iommu(memory));

        Assert.Equal(-(int)Errno.ENOMEM, container.MapDma(ram, 0, GuestPages * PhysicalMemory.PageSize, Protection.ReadWrite));
        Assert.Equal(0, memory.VmStat.OutstandingPins);
        Assert.Equal(0, qemu.LockedVm);
        Assert.Equal(0, container.Domain!.MappedPages);
        Assert.Empty(container.DmaList);

        // Within the limit it works; CAP_IPC_LOCK lifts it.
        Assert.Equal(0, container.MapDma(ram, 0, 8 * PhysicalMemory.PageSize, Protection.ReadWrite));
        Assert.Equal(8, qemu.LockedVm);
        var capable = new VfioIommuType1(qemu, new Iommu(memory)) { LockCap = true };
        Assert.Equal(0, capable.MapDma(ram + (8 * PhysicalMemory.PageSize), 0, 8 * PhysicalMemory.PageSize, Protection.ReadWrite));
        container.UnmapDma(0, 8 * PhysicalMemory.PageSize);
        capable.UnmapDma(0, 8 * PhysicalMemory.PageSize);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
        Assert.Equal(0, qemu.LockedVm);
    }

    [Fact]
    public void Long_term_map_migrates_movable_guest_pages_out_of_ZONE_MOVABLE()
    {
        using var memory = new PhysicalMemory(normalPages: 64, movablePages: 512);
        using var qemu = new AddressSpace(memory);
        var ram = GuestRam(qemu);
        qemu.TryGetMappedPage(ram, out var before);
        var container = new VfioIommuType1(qemu, new Iommu(memory));

        Assert.Equal(0, container.MapDma(ram, 0, GuestPages * PhysicalMemory.PageSize, Protection.ReadWrite));
        Assert.True(container.Domain!.TryTranslate(0, out var mapped, out _));

        Assert.Equal(Zone.Movable, before.Zone);
        Assert.Equal(Zone.Normal, mapped.Zone);
        container.UnmapDma(0, GuestPages * PhysicalMemory.PageSize);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void External_backend_pins_by_iova_with_accounting_and_the_max_entries_limit()
    {
        using var memory = new PhysicalMemory(normalPages: 512);
        using var qemu = new AddressSpace(memory);
        var ram = GuestRam(qemu);
        var container = new VfioIommuType1(qemu, domain: null);
        Assert.Equal(0, container.MapDma(ram, 0, GuestPages * PhysicalMemory.PageSize, Protection.ReadWrite));
        Assert.Equal(0, memory.VmStat.OutstandingPins);

        ulong[] userPfn = [2, 3, 5];
        var phys = new long[3];
        Assert.Equal(3, container.PinPages(userPfn, 3, Protection.ReadWrite, phys));
        Assert.Equal(3, memory.VmStat.OutstandingPins);
        Assert.Equal(3, qemu.LockedVm);
        qemu.TryGetMappedPage(ram + (5 * PhysicalMemory.PageSize), out var page5);
        Assert.Equal(page5.Pfn, phys[2]);

        // Pinning an IOVA again takes a vfio_pfn reference, not a second GUP pin.
        Assert.Equal(1, container.PinPages([2], 1, Protection.Read, new long[1]));
        Assert.Equal(3, memory.VmStat.OutstandingPins);

        var tooMany = new ulong[VfioIommuType1.VfioPinPagesMaxEntries + 1];
        Assert.Equal(-(int)Errno.E2BIG, container.PinPages(tooMany, tooMany.Length, Protection.Read, new long[tooMany.Length]));
        var exactly = Enumerable.Range(0, VfioIommuType1.VfioPinPagesMaxEntries).Select(i => (ulong)(i % GuestPages)).ToArray();
        Assert.Equal(VfioIommuType1.VfioPinPagesMaxEntries, container.PinPages(exactly, exactly.Length, Protection.Read, new long[exactly.Length]));
        Assert.Equal(VfioIommuType1.VfioPinPagesMaxEntries, container.UnpinPages(exactly, exactly.Length));

        // An IOVA outside every mapping unwinds what the call had pinned.
        Assert.Equal(-(int)Errno.EINVAL, container.PinPages([7, 100], 2, Protection.Read, new long[2]));
        Assert.Equal(3, memory.VmStat.OutstandingPins);

        Assert.Equal(1, container.UnpinPages([2], 1));
        Assert.Equal(3, container.UnpinPages(userPfn, 3));
        Assert.Equal(0, memory.VmStat.OutstandingPins);
        Assert.Equal(0, qemu.LockedVm);
        Assert.True(page5.IsDirty);
    }

    [Fact]
    public void Demo_runs_and_balances_its_pins()
    {
        var output = new StringWriter();

        Assert.Equal(0, VfioMdevPciDemo.Run(output));
        Assert.Contains("-EBUSY", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("guest reads: \"packet from the wire\"", output.ToString(), StringComparison.Ordinal);
    }

    private static PciDevice Singleton(PciDevice pdev, PhysicalMemory memory)
    {
        pdev.IommuGroup = new IommuGroup(1, new Iommu(memory));
        pdev.IommuGroup.Devices.Add(pdev);
        return pdev;
    }

    private static (VfioMdevPciDriver Driver, PciDevice Nic, MdevDevice Mdev) Bound(PhysicalMemory memory)
    {
        var driver = new VfioMdevPciDriver();
        var nic = Singleton(new PciDevice("0000:01:00.0", 0x8086, 0x10fb), memory);
        Assert.Equal(0, driver.Probe(nic));
        Assert.Equal(0, driver.Create(nic, Guid.NewGuid(), driver.SupportedTypes(nic)[0].Name, out var mdev));
        return (driver, nic, mdev!);
    }

    private static ulong GuestRam(AddressSpace qemu)
    {
        var ram = qemu.Mmap(GuestPages * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, qemu.Fill(ram, GuestPages * PhysicalMemory.PageSize, 0x33));
        return ram;
    }
}
