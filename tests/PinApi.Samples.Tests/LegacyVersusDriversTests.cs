namespace PinApi.Samples.Tests;

/// <summary>
/// Each Legacy driver against its Drivers twin on the same workload. Where they differ, the test asserts the
/// difference the seed series made (or the one the era's bugs cause), not just that both ran.
/// </summary>
public sealed class LegacyVersusDriversTests
{
    [Theory]
    [MemberData(nameof(Catalogs.LegacyNames), MemberType = typeof(Catalogs))]
    public void Same_bytes_reach_the_process_before_and_after_the_series(string name)
    {
        var legacy = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8));
        var drivers = WorkloadRunner.Run(Catalogs.Drivers(Catalogs.TwinOf(name)), new WorkloadOptions(Pages: 8));

        // Each era on its own kernel's rules: Legacy on the seed era's, Drivers on mainline's.
        Assert.Equal(GupSemantics.SeedEra, legacy.Semantics);
        Assert.Equal(GupSemantics.Mainline, drivers.Semantics);
        Assert.True(drivers.DataSeenByProcess);

        // vfio_type1 too: its v5.5 get_user_pages(…, FOLL_LONGTERM) is valid in the seed era. While Legacy ran under
        // mainline rules this was the one pair that differed (Legacy's MAP_DMA was -EINVAL); now no pair does.
        Assert.True(legacy.DataSeenByProcess);

        // The observable difference of the series: the same device traffic, now announced by pins.
        Assert.Equal(0, drivers.UnpinnedDeviceWrites);
        Assert.Equal(Catalogs.DeviceDma.Contains(name), legacy.UnpinnedDeviceWrites > 0);
        Assert.Equal(0, legacy.PinsAcquired);
    }

    [Fact]
    public void Under_pin_aware_writeback_FOLL_GET_loses_the_DMA_and_FOLL_PIN_keeps_it()
    {
        var options = new WorkloadOptions(Pages: 8, FileBacked: true, WritebackWhileRegistered: WritebackPolicy.PinAware);
        var legacy = WorkloadRunner.Run(Catalogs.Legacy("via_dmablit"), options);
        var drivers = WorkloadRunner.Run(Catalogs.Drivers("via_dmablit"), options);

        // GET pages look unpinned: writeback cleans and write-protects them under the DMA, and the dirtying on
        // release marks pages the filesystem no longer has blocks for (ext4's BUG_ON, KERNEL.md §1).
        Assert.Equal(8, legacy.WritebackWhileRegistered.Written);
        Assert.Equal(8, legacy.FinalWriteback.Lost);
        Assert.False(legacy.DataOnDisk);
        Assert.True(legacy.DataSeenByProcess);

        Assert.Equal(8, drivers.WritebackWhileRegistered.SkippedPinned);
        Assert.Equal(0, drivers.FinalWriteback.Lost);
        Assert.True(drivers.DataOnDisk);
    }

    [Theory]
    [MemberData(nameof(Catalogs.LongtermWriterNames), MemberType = typeof(Catalogs))]
    public void Long_term_registration_of_a_shared_file_loses_data_before_and_is_refused_after(string name)
    {
        var options = new WorkloadOptions(Pages: 4, FileBacked: true, WritebackWhileRegistered: WritebackPolicy.PinAware);
        var legacy = WorkloadRunner.Run(Catalogs.Legacy(name), options);
        var drivers = WorkloadRunner.Run(Catalogs.Drivers(name), options);

        // Legacy now passes FOLL_LONGTERM as v5.5 did. The seed era had no check on writable file mappings (that came
        // ~v6.5, for FOLL_PIN | FOLL_LONGTERM), so the long-term GET of the shared file is taken and writeback,
        // blind to GET references, loses the device's data.
        Assert.Equal(0, legacy.RegisterResult);
        Assert.True(legacy.DataSeenByProcess);
        Assert.False(legacy.DataOnDisk);
        Assert.Equal(-(int)Errno.EFAULT, drivers.RegisterResult);
    }

    [Fact]
    public void Videobuf_set_dirty_fix_turns_a_silent_loss_into_a_detected_one()
    {
        var options = new WorkloadOptions(Pages: 4, FileBacked: true, WritebackWhileRegistered: WritebackPolicy.Legacy);
        var before = WorkloadRunner.Run(Catalogs.Legacy("videobuf_dma_sg"), options);
        var after = WorkloadRunner.Run(Catalogs.Legacy("videobuf_dma_sg_set_dirty"), options);

        // Before #17 the captured frames were never dirtied: writeback sees nothing to write (silent loss).
        Assert.False(before.PagesDirtyAfterRelease);
        Assert.Equal(new WritebackResult(0, 0, 0), before.FinalWriteback);
        Assert.False(before.DataOnDisk);

        // After #17 they are dirtied, but behind the filesystem's back: writeback reports them lost.
        Assert.True(after.PagesDirtyAfterRelease);
        Assert.Equal(4, after.FinalWriteback.Lost);
        Assert.False(after.DataOnDisk);
    }

    [Fact]
    public void Videobuf_dirties_captured_anonymous_pages_only_from_the_fix_on()
    {
        var before = WorkloadRunner.Run(Catalogs.Legacy("videobuf_dma_sg"), new WorkloadOptions(Pages: 4));
        var after = WorkloadRunner.Run(Catalogs.Legacy("videobuf_dma_sg_set_dirty"), new WorkloadOptions(Pages: 4));
        var drivers = WorkloadRunner.Run(Catalogs.Drivers("videobuf_dma_sg"), new WorkloadOptions(Pages: 4));

        Assert.False(before.PagesDirtyAfterRelease);
        Assert.True(after.PagesDirtyAfterRelease);
        Assert.True(drivers.PagesDirtyAfterRelease);
    }

    [Theory]
    [InlineData("mthca_memfree")]
    [InlineData("io_uring")]
    public void Documented_deviation_drivers_dirty_write_pins_that_v5_6_released_clean(string name)
    {
        // v5.6 releases these FOLL_WRITE pins with a plain unpin_user_page(); PIN0101 reports that, so the Drivers
        // port dirties on release (samples/Drivers/README.md). Legacy keeps the era's clean put.
        var legacy = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 4));
        var drivers = WorkloadRunner.Run(Catalogs.Drivers(name), new WorkloadOptions(Pages: 4));

        Assert.False(legacy.PagesDirtyAfterRelease);
        Assert.True(drivers.PagesDirtyAfterRelease);
    }

    [Fact]
    public void Io_uring_refuses_file_backed_buffers_in_both_eras()
    {
        var legacy = WorkloadRunner.Run(Catalogs.Legacy("io_uring"), new WorkloadOptions(Pages: 4, FileBacked: true));
        var drivers = WorkloadRunner.Run(Catalogs.Drivers("io_uring"), new WorkloadOptions(Pages: 4, FileBacked: true));

        // v5.5's get_user_pages(FOLL_WRITE | FOLL_LONGTERM) takes the shared file's pages (seed-era rules); io_uring's
        // own "don't support file backed memory" check then gives them back.
        Assert.Equal(-(int)Errno.EOPNOTSUPP, legacy.RegisterResult);

        // After the series the long-term write pin of the shared file is refused even earlier, by GUP itself.
        Assert.Equal(-(int)Errno.EFAULT, drivers.RegisterResult);
        Assert.Equal(0, legacy.FramesLeaked);
        Assert.Equal(0, legacy.LockedVmAfterRelease);
    }

    [Fact]
    public void Via_partial_pin_over_releases_before_and_releases_exactly_after()
    {
        // The blit covers 8 pages but only 4 are mapped: gup-fast returns 4.
        var legacyOutcome = PartialBlit(Catalogs.Legacy("via_dmablit"));
        var driversOutcome = PartialBlit(Catalogs.Drivers("via_dmablit"));

        // v5.5 releases all num_pages entries, four of them never taken: the put hits empty slots (PIN0006).
        Assert.IsType<ArgumentException>(legacyOutcome.Error);
        Assert.Null(driversOutcome.Error);
        Assert.Equal(-(int)Errno.EINVAL, driversOutcome.Result);
        Assert.Equal(0, driversOutcome.OutstandingPins);
        Assert.Equal(4, driversOutcome.PinsAcquired);
    }

    private static (int Result, Exception? Error, long OutstandingPins, long PinsAcquired) PartialBlit(IUserBufferDriver driver)
    {
        // The machine follows the driver's era, as WorkloadRunner's does (drm/via passes no FOLL_LONGTERM either way).
        using var memory = new PhysicalMemory(normalPages: 256) { Semantics = driver.Semantics };
        using var mm = new AddressSpace(memory);
        var buffer = mm.Mmap(4 * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        mm.Fill(buffer, 4 * PhysicalMemory.PageSize, 1);
        try
        {
            var rc = driver.Register(mm, new DmaDevice(memory), new Iommu(memory), buffer, 8 * PhysicalMemory.PageSize);
            return (rc, null, memory.VmStat.OutstandingPins, memory.VmStat.NrFollPinAcquired);
        }
        catch (ArgumentException e)
        {
            return (0, e, memory.VmStat.OutstandingPins, memory.VmStat.NrFollPinAcquired);
        }
    }
}
