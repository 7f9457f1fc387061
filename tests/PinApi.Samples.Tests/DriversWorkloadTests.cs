namespace PinApi.Samples.Tests;

/// <summary>Every post-series driver through the shared workload: the device's bytes arrive and nothing is left behind.</summary>
public sealed class DriversWorkloadTests
{
    [Theory]
    [MemberData(nameof(Catalogs.DriverNames), MemberType = typeof(Catalogs))]
    public void Anonymous_buffer_round_trip_leaves_pins_and_accounting_balanced(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Drivers(name), new WorkloadOptions(Pages: 8));

        Assert.Equal(GupSemantics.Mainline, result.Semantics);
        Assert.Equal(0, result.RegisterResult);
        Assert.Equal(0, result.DeviceResult);
        Assert.True(result.DataSeenByProcess, "the process must see what the device wrote (or the device what the process wrote)");
        Assert.True(result.PinsBalanced, $"nr_foll_pin_acquired {result.PinsAcquired} != nr_foll_pin_released {result.PinsReleased}");
        Assert.Equal(0, result.UnpinnedDeviceWrites);
        Assert.Equal(0, result.FramesLeaked);
        Assert.Equal(0, result.LockedVmAfterRelease);
        Assert.Equal(0, result.PinnedVmAfterRelease);
    }

    [Theory]
    [MemberData(nameof(Catalogs.DriverNames), MemberType = typeof(Catalogs))]
    public void Every_driver_but_odp_takes_FOLL_PIN_references(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Drivers(name), new WorkloadOptions(Pages: 4));

        // ODP is "Case 3" (MMU notifiers): it stays on FOLL_GET after the series.
        if (name == "umem_odp")
        {
            Assert.Equal(0, result.PinsAcquired);
        }
        else
        {
            Assert.True(result.PinsAcquired >= 4, $"{name} acquired {result.PinsAcquired} pins for 4 pages");
        }
    }

    [Fact]
    public void Short_term_pin_survives_a_pin_aware_writeback_and_the_device_data_reaches_the_file()
    {
        var result = WorkloadRunner.Run(Catalogs.Drivers("via_dmablit"), new WorkloadOptions(Pages: 8, FileBacked: true, WritebackWhileRegistered: WritebackPolicy.PinAware));

        Assert.Equal(0, result.RegisterResult);
        Assert.Equal(8, result.WritebackWhileRegistered.SkippedPinned);
        Assert.True(result.DataOnDisk);
        Assert.Equal(0, result.FinalWriteback.Lost);
        Assert.True(result.PinsBalanced);
    }

    [Theory]
    [InlineData("goldfish_pipe")]
    [InlineData("process_vm_access")]
    public void Transfer_drivers_write_a_shared_file_through_short_term_pins(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Drivers(name), new WorkloadOptions(Pages: 4, FileBacked: true));

        Assert.True(result.DataOnDisk);
        Assert.Equal(4, result.FinalWriteback.Written);
        Assert.True(result.PinsBalanced);
        Assert.Equal(4, result.PinsAcquired);
    }

    [Theory]
    [MemberData(nameof(Catalogs.LongtermWriterNames), MemberType = typeof(Catalogs))]
    public void Long_term_write_pins_of_a_shared_file_are_refused(string name)
    {
        // Mainline (~v6.5) refuses FOLL_LONGTERM | FOLL_WRITE on dirty-tracked file mappings (KERNEL.md §4).
        var result = WorkloadRunner.Run(Catalogs.Drivers(name), new WorkloadOptions(Pages: 4, FileBacked: true));

        Assert.Equal(-(int)Errno.EFAULT, result.RegisterResult);
        Assert.True(result.PinsBalanced);
        Assert.Equal(0, result.FramesLeaked);
        Assert.Equal(0, result.LockedVmAfterRelease);
        Assert.Equal(0, result.PinnedVmAfterRelease);
    }

    [Theory]
    [InlineData("ib_umem")]
    [InlineData("qib_user_pages")]
    [InlineData("usnic_uiom")]
    [InlineData("siw_mem")]
    [InlineData("hfi1_user_pages")]
    [InlineData("io_uring")]
    [InlineData("xdp_umem")]
    [InlineData("powerpc_mm_iommu")]
    public void Registration_past_RLIMIT_MEMLOCK_fails_and_pins_nothing(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Drivers(name), new WorkloadOptions(Pages: 8, RlimitMemlock: 4 * PhysicalMemory.PageSize));

        Assert.True(result.RegisterResult < 0, $"{name} registered 8 pages under a 4-page RLIMIT_MEMLOCK");
        Assert.True(result.PinsBalanced);
        Assert.Equal(0, result.FramesLeaked);
        Assert.Equal(0, result.LockedVmAfterRelease);
        Assert.Equal(0, result.PinnedVmAfterRelease);
    }
}
