namespace PinApi.Samples.Tests;

/// <summary>
/// Every pre-series driver through the shared workload. They run (FOLL_GET references, balanced), but the device
/// writes into pages that no pin announces, and vfio's FOLL_LONGTERM get is refused under mainline rules.
/// </summary>
public sealed class LegacyWorkloadTests
{
    [Theory]
    [MemberData(nameof(Catalogs.LegacyNames), MemberType = typeof(Catalogs))]
    public void Pre_series_drivers_move_the_data_with_FOLL_GET_and_leak_nothing(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8));

        if (name == "vfio_type1")
        {
            // vaddr_get_pfn()'s local branch: get_user_pages(…, FOLL_LONGTERM). Mainline (is_valid_gup_args step 5),
            // and so PinApi, refuse FOLL_LONGTERM without FOLL_PIN: the runtime face of PIN0201.
            Assert.Equal(-(int)Errno.EINVAL, result.RegisterResult);
        }
        else
        {
            Assert.Equal(0, result.RegisterResult);
            Assert.True(result.DataSeenByProcess);
        }

        Assert.Equal(0, result.PinsAcquired);
        Assert.Equal(0, result.FramesLeaked);
        Assert.Equal(0, result.LockedVmAfterRelease);
        Assert.Equal(0, result.PinnedVmAfterRelease);
    }

    [Theory]
    [MemberData(nameof(Catalogs.LegacyNames), MemberType = typeof(Catalogs))]
    public void Device_DMA_into_FOLL_GET_pages_is_invisible_to_mm(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8));
        var dmaWriter = Catalogs.DeviceDma.Contains(name) && result.RegisterResult == 0;

        // page_maybe_dma_pinned() is false for every page a GET driver hands its device.
        Assert.Equal(dmaWriter, result.UnpinnedDeviceWrites > 0);
    }

    [Fact]
    public void Vfio_remote_branch_takes_FOLL_GET_without_FOLL_LONGTERM()
    {
        // Before seed #7 the remote branch (mm != current->mm) called get_user_pages_remote() without FOLL_LONGTERM:
        // it works, and that missing flag is the bug #7 fixed.
        using var memory = new PhysicalMemory(normalPages: 256);
        using var mm = new AddressSpace(memory);
        var buffer = mm.Mmap(4 * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        mm.Fill(buffer, 4 * PhysicalMemory.PageSize, 1);
        var container = new PinApi.Samples.Legacy.VfioIommuType1(mm, domain: null) { CallerMm = null };
        Assert.Equal(0, container.MapDma(buffer, 0, 4 * PhysicalMemory.PageSize, Protection.ReadWrite));
        ulong[] userPfn = [0, 1, 2, 3];
        var phys = new long[4];

        Assert.Equal(4, container.PinPages(userPfn, 4, Protection.ReadWrite, phys));
        // One reference for the mapping, one FOLL_GET reference per pinned IOVA.
        Assert.All(phys, pfn => Assert.Equal(2, memory.PfnToPage(pfn).RefCount));
        Assert.Equal(0, memory.VmStat.NrFollPinAcquired);
        Assert.Equal(4, container.UnpinPages(userPfn, 4));
        Assert.Equal(0, mm.LockedVm);
    }
}
