namespace PinApi.Samples.VfioMdevPci;

/// <summary>
/// The sample's usage, end to end: insmod, probe (and its refusals), create an mdev of the one type, open it as
/// QEMU would, drive the device, map guest memory through both DMA backends, and tear everything down.
/// </summary>
public static class VfioMdevPciDemo
{
    public static int Run(TextWriter output)
    {
        var memory = new PhysicalMemory(normalPages: 4096);
        var qemu = new AddressSpace(memory);
        const int guestPages = 16;
        var guestRam = qemu.Mmap(guestPages * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        qemu.Fill(guestRam, guestPages * PhysicalMemory.PageSize, 0);

        var nic = Singleton(new PciDevice("0000:01:00.0", 0x8086, 0x10fb), memory, 1);
        var bridge = Singleton(new PciDevice("0000:00:1c.0", 0x8086, 0x2448, PciHeaderType.Bridge, 0x060400), memory, 2);
        var pf = Singleton(new PciDevice("0000:02:00.0", 0x8086, 0x1528) { IsPhysFn = true, NumVfs = 4 }, memory, 3);
        var shared = new IommuGroup(4, new Iommu(memory));
        var sharedA = new PciDevice("0000:03:00.0", 0x10ec, 0x8168) { IommuGroup = shared };
        var sharedB = new PciDevice("0000:03:00.1", 0x10ec, 0x8168) { IommuGroup = shared };
        shared.Devices.AddRange([sharedA, sharedB]);

        var driver = new VfioMdevPciDriver();
        output.WriteLine($"probe {bridge.Name} (header type bridge): {Errno(driver.Probe(bridge))}");
        output.WriteLine($"probe {pf.Name} (PF, {pf.NumVfs} VFs enabled): {Errno(driver.Probe(pf))}");
        output.WriteLine($"probe {sharedA.Name} (IOMMU group of {shared.Devices.Count}): {Errno(driver.Probe(sharedA))}");
        output.WriteLine($"probe {nic.Name}: {Errno(driver.Probe(nic))}, power {nic.PowerState}");

        var type = driver.SupportedTypes(nic)[0];
        output.WriteLine($"type {type.Name}: device_api {type.DeviceApi}, available_instances {type.AvailableInstances}");
        var uuid = Guid.Parse("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
        Check(driver.Create(nic, uuid, type.Name, out var mdev), "create");
        output.WriteLine($"created {mdev!.Uuid}, IOMMU device {mdev.IommuDevice!.Name}");

        // QEMU opens the device twice (two users of the reset domain); the function is enabled once.
        Check(driver.Open(mdev), "open");
        Check(driver.Open(mdev), "open");
        output.WriteLine($"open x2: refcnt {mdev.Vdev.Reflck.RefCnt}, enabled {nic.Enabled}, power {nic.PowerState}, module refs {driver.ModuleRefCount}");

        driver.Ioctl(mdev, VfioDeviceIoctl.GetInfo, 0, out var info);
        driver.Ioctl(mdev, VfioDeviceIoctl.GetRegionInfo, VfioPciDevice.ConfigRegionIndex, out var config);
        output.WriteLine($"VFIO_DEVICE_GET_INFO: {info}; config region: {config}");
        var id = new byte[4];
        driver.Read(mdev, id, VfioPciDevice.IndexToOffset(VfioPciDevice.ConfigRegionIndex));
        output.WriteLine($"config[0..4] via the mdev: {Convert.ToHexString(id)}");

        // Enable memory decoding and bus mastering through the forwarded config write.
        driver.Write(mdev, BitConverter.GetBytes(PciDevice.CommandMemoryMaster), VfioPciDevice.IndexToOffset(VfioPciDevice.ConfigRegionIndex) + 4);

        // (a) IOMMU-backed: VFIO_IOMMU_MAP_DMA pins guest RAM long-term and maps it in the parent's domain.
        var container = new VfioIommuType1(qemu, mdev.IommuDevice.IommuGroup!.Domain);
        Check(container.MapDma(guestRam, 0, guestPages * PhysicalMemory.PageSize, Protection.ReadWrite), "MAP_DMA");
        output.WriteLine($"MAP_DMA {guestPages} pages: locked_vm {qemu.LockedVm}, pins {memory.VmStat.OutstandingPins}, IOMMU pages {container.Domain!.MappedPages}");
        var packet = "packet from the wire"u8.ToArray();
        Check(nic.DmaWrite(3 * PhysicalMemory.PageSize, packet), "device DMA");
        var seen = new byte[packet.Length];
        qemu.Read(guestRam + (3 * PhysicalMemory.PageSize), seen);
        output.WriteLine($"device DMA at IOVA 0x3000, guest reads: \"{System.Text.Encoding.ASCII.GetString(seen)}\"");
        output.WriteLine($"UNMAP_DMA: {container.UnmapDma(0, guestPages * PhysicalMemory.PageSize)} bytes; locked_vm {qemu.LockedVm}, pins {memory.VmStat.OutstandingPins}, guest page dirty {Dirty(qemu, guestRam + (3 * PhysicalMemory.PageSize))}");

        // RLIMIT_MEMLOCK: mapping more than the limit fails and leaves nothing pinned.
        qemu.RlimitMemlock = 8 * PhysicalMemory.PageSize;
        var limited = container.MapDma(guestRam, 0, guestPages * PhysicalMemory.PageSize, Protection.ReadWrite);
        output.WriteLine($"MAP_DMA {guestPages} pages with RLIMIT_MEMLOCK of 8 pages: {Errno(limited)}; locked_vm {qemu.LockedVm}, pins {memory.VmStat.OutstandingPins}");
        qemu.RlimitMemlock = ulong.MaxValue;

        // (b) External: a container without an IOMMU domain; a vendor driver pins by IOVA with vfio_pin_pages().
        var external = new VfioIommuType1(qemu, domain: null);
        Check(external.MapDma(guestRam, 0, guestPages * PhysicalMemory.PageSize, Protection.ReadWrite), "MAP_DMA (external)");
        ulong[] userPfn = [0, 1, 2, 3];
        var physPfn = new long[userPfn.Length];
        var pinned = external.PinPages(userPfn, userPfn.Length, Protection.ReadWrite, physPfn);
        output.WriteLine($"vfio_pin_pages(4 IOVA pfns): {pinned}, pins {memory.VmStat.OutstandingPins}, locked_vm {qemu.LockedVm}");
        var tooMany = new ulong[VfioIommuType1.VfioPinPagesMaxEntries + 1];
        output.WriteLine($"vfio_pin_pages({tooMany.Length} entries): {Errno(external.PinPages(tooMany, tooMany.Length, Protection.Read, new long[tooMany.Length]))}");
        output.WriteLine($"vfio_unpin_pages: {external.UnpinPages(userPfn, userPfn.Length)}, pins {memory.VmStat.OutstandingPins}, locked_vm {qemu.LockedVm}");
        external.UnmapDma(0, guestPages * PhysicalMemory.PageSize);

        driver.Release(mdev);
        output.WriteLine($"release: refcnt {mdev.Vdev.Reflck.RefCnt}, enabled {nic.Enabled}");
        output.WriteLine($"remove while open: {Errno(driver.RemoveMdev(mdev))}");
        driver.Release(mdev);
        output.WriteLine($"release: refcnt {mdev.Vdev.Reflck.RefCnt}, enabled {nic.Enabled}, power {nic.PowerState}, module refs {driver.ModuleRefCount}");
        output.WriteLine($"remove: {Errno(driver.RemoveMdev(mdev))}");
        driver.Remove(nic);
        output.WriteLine($"nr_foll_pin_acquired {memory.VmStat.NrFollPinAcquired}, nr_foll_pin_released {memory.VmStat.NrFollPinReleased}");
        qemu.Dispose();
        return memory.VmStat.OutstandingPins == 0 ? 0 : 1;
    }

    private static PciDevice Singleton(PciDevice pdev, PhysicalMemory memory, int group)
    {
        pdev.IommuGroup = new IommuGroup(group, new Iommu(memory));
        pdev.IommuGroup.Devices.Add(pdev);
        return pdev;
    }

    private static bool Dirty(AddressSpace mm, ulong address) => mm.TryGetMappedPage(address, out var page) && page.IsDirty;

    private static string Errno(long rc) => rc < 0 ? $"-{(Errno)(-rc)}" : rc.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void Check(long rc, string what)
    {
        if (rc < 0)
        {
            throw new InvalidOperationException($"{what} failed: {Errno(rc)}");
        }
    }
}
