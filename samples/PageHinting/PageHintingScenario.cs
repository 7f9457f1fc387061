namespace PinApi.Samples.PageHinting;

/// <summary>
/// The series' test, scaled down: a VM with a passthrough device over 2 MiB hugetlb memory boots (VFIO pins and maps
/// all of guest RAM), the guest reports free pages (virtio-balloon free page reporting → QEMU's
/// <c>virtio_balloon_handle_report()</c>: <c>ram_block_discard_range()</c>, then <c>kvm_discard_range()</c>), then
/// touches one of them again (EPT fault → re-map), frees it again while a late DMA is in flight, and a new owner
/// takes the frame. Run with <c>corrected: false</c> it follows the series; with <c>true</c>, the re-map re-pins.
/// </summary>
public static class PageHintingScenario
{
    private const ulong Huge = PhysicalMemory.HugePageSize;

    public static PageHintingReport Run(bool corrected, int hostHugePages = 16, int guestHugePages = 8, TextWriter? output = null)
    {
        output ??= TextWriter.Null;
        var memory = new PhysicalMemory(normalPages: 1024, hugePages: hostHugePages);
        var report = new PageHintingReport { Corrected = corrected, HugePagesTotal = memory.HugePagesTotal, FreeAtStart = memory.HugePagesFree };
        Print(output, "start", memory);

        // Boot: QEMU backs guest RAM with hugetlb; VFIO_IOMMU_MAP_DMA pins and maps all of it for the VF.
        var qemu = new AddressSpace(memory);
        var ramSize = (ulong)guestHugePages * Huge;
        var hva = qemu.Mmap(ramSize, Protection.ReadWrite, VmaKind.Hugetlb);
        var domain = new Iommu(memory);
        var vfio = new VfioIommuType1(qemu, domain) { MaxContiguousPin = PhysicalMemory.HugePageFrames };
        Check(vfio.MapDma(hva, 0, ramSize, Protection.ReadWrite), "VFIO_IOMMU_MAP_DMA");
        var kvm = new KvmMmu(qemu, hva, vfio);
        for (ulong gpa = 0; gpa < ramSize; gpa += Huge)
        {
            Check(corrected ? kvm.TdpPageFaultRepinned(gpa) : kvm.TdpPageFault(gpa), "boot fault");
        }

        report = report with { FreeAfterBoot = memory.HugePagesFree };
        Print(output, "after boot", memory);

        // Free page reporting: the guest gives back every huge page but the first two.
        var hinted = 0;
        for (var i = 2; i < guestHugePages; i++)
        {
            Check(HandleReport(qemu, kvm, hva, (ulong)i * Huge, Huge), "report");
            hinted++;
        }

        report = report with { FreeAfterHinting = memory.HugePagesFree, HintedPages = hinted };
        Print(output, "after hinting", memory);

        // The guest touches page 2 again: EPT fault, a fresh hugetlb page, re-mapped for the device.
        const ulong reused = 2 * Huge;
        var rc = corrected ? kvm.TdpPageFaultRepinned(reused) : kvm.TdpPageFault(reused);
        Check(rc, "EPT fault");
        qemu.TryGetMappedPage(hva + reused, out var remapped);
        var guestData = Enumerable.Repeat((byte)0x6e, 64).ToArray();
        Check(qemu.Write(hva + reused, guestData), "guest store");
        var dmaBytes = "late DMA from the VF"u8.ToArray();
        Check(domain.DeviceWrite(reused + 0x100, dmaBytes), "device DMA");
        var seen = new byte[dmaBytes.Length];
        Check(qemu.Read(hva + reused + 0x100, seen), "guest load");
        report = report with { PinsOnRemappedPage = remapped.PinCount, GuestSeesDeviceData = seen.AsSpan().SequenceEqual(dmaBytes) };
        output.WriteLine($"re-fault of guest page 2: pfn 0x{remapped.Pfn:x}, pins {remapped.PinCount}, guest sees device data: {report.GuestSeesDeviceData}");

        // The guest frees page 2 again. QEMU discards it first; the KVM_DISCARD_RANGE comes after.
        RamBlockDiscardRange(qemu, hva + reused, Huge);
        report = report with { FreeAfterSecondDiscard = memory.HugePagesFree };
        output.WriteLine($"after QEMU's second discard of page 2: HugePages_Free: {memory.HugePagesFree}");

        // Someone else allocates a huge page and fills it, while a DMA the VF had queued for page 2 lands.
        var other = new AddressSpace(memory);
        var otherAddr = other.Mmap(Huge, Protection.ReadWrite, VmaKind.Hugetlb);
        Check(other.Fill(otherAddr, (int)Huge, 0x5a), "new owner fill");
        other.TryGetMappedPage(otherAddr, out var otherPage);
        Check(domain.DeviceWrite(reused + 0x100, dmaBytes), "late device DMA");
        var otherView = new byte[dmaBytes.Length];
        Check(other.Read(otherAddr + 0x100, otherView), "new owner load");
        report = report with
        {
            NewOwnerCorrupted = !otherView.All(b => b == 0x5a),
            UnpinnedDeviceWrites = domain.UnpinnedWrites,
        };
        output.WriteLine($"new owner got pfn 0x{otherPage.Pfn:x}{(otherPage.Pfn == remapped.CompoundHead.Pfn ? " (the frame the IOMMU still maps)" : string.Empty)}; corrupted: {report.NewOwnerCorrupted}; unpinned device writes: {domain.UnpinnedWrites}");

        try
        {
            Check(kvm.DiscardRange(new KvmDiscardMsg(Huge, hva + reused, reused)), "KVM_DISCARD_RANGE");
        }
        catch (PinStateException e)
        {
            // vfio_munmap_pages() unpins what it believes it pinned; in the kernel this put lands on the new owner's
            // refcount. PinApi refuses it.
            report = report with { UnpinError = e.Message };
            output.WriteLine($"KVM_DISCARD_RANGE of page 2: {e.Message}");
        }

        other.Dispose();
        vfio.UnmapDma(0, ramSize);
        qemu.Dispose();
        report = report with
        {
            PinsAcquired = memory.VmStat.NrFollPinAcquired,
            PinsReleased = memory.VmStat.NrFollPinReleased,
            FreeAtEnd = memory.HugePagesFree,
        };
        Print(output, "after shutdown", memory);
        output.WriteLine($"nr_foll_pin_acquired {report.PinsAcquired}, nr_foll_pin_released {report.PinsReleased}");
        return report;
    }

    /// <summary>QEMU's <c>virtio_balloon_handle_report()</c> for one reported range: discard, then tell KVM.</summary>
    private static int HandleReport(AddressSpace qemu, KvmMmu kvm, ulong hva, ulong gpa, ulong length)
    {
        RamBlockDiscardRange(qemu, hva + gpa, length);
        return kvm.DiscardRange(new KvmDiscardMsg(length, hva + gpa, gpa));
    }

    /// <summary>
    /// <c>ram_block_discard_range()</c> on hugetlbfs punches a hole in the file: the page leaves QEMU's page tables
    /// and is freed once nothing else holds it. Modelled as munmap + MAP_FIXED mmap of the same 2 MiB.
    /// </summary>
    private static void RamBlockDiscardRange(AddressSpace qemu, ulong hva, ulong length)
    {
        Check(qemu.Munmap(hva, length), "munmap");
        qemu.Mmap(length, Protection.ReadWrite, VmaKind.Hugetlb, address: hva);
    }

    private static void Print(TextWriter output, string stage, PhysicalMemory memory) =>
        output.WriteLine($"{stage,-16} HugePages_Total: {memory.HugePagesTotal,4}  HugePages_Free: {memory.HugePagesFree,4}");

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"{what} failed: {rc}");
        }
    }
}
