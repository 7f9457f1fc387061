using PinApi.Samples.PageHinting;

namespace PinApi.Samples.Tests;

/// <summary>Page hinting passthrough (KERNEL.md §9.2): the series' re-map without a pin, and the corrected one.</summary>
public sealed class PageHintingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hinting_frees_the_reported_hugetlb_pages_and_boot_pins_all_of_guest_RAM(bool corrected)
    {
        var report = PageHintingScenario.Run(corrected, hostHugePages: 12, guestHugePages: 6);

        Assert.Equal(12, report.HugePagesTotal);
        Assert.Equal(12, report.FreeAtStart);
        Assert.Equal(6, report.FreeAfterBoot);
        Assert.Equal(4, report.HintedPages);
        Assert.Equal(10, report.FreeAfterHinting);
        Assert.True(report.GuestSeesDeviceData);
        Assert.Equal(12, report.FreeAtEnd);
        Assert.Equal(report.PinsAcquired, report.PinsReleased);
    }

    [Fact]
    public void Series_remap_leaves_the_device_mapping_unpinned_and_corrupts_the_frames_next_owner()
    {
        var report = PageHintingScenario.Run(corrected: false, hostHugePages: 12, guestHugePages: 6);

        Assert.Equal(0, report.PinsOnRemappedPage);

        // With no pin, QEMU's discard frees the frame at once although the IOMMU still maps it...
        Assert.Equal(report.FreeAfterHinting, report.FreeAfterSecondDiscard);

        // ...the next owner gets it and the VF's late DMA lands in its data.
        Assert.True(report.NewOwnerCorrupted);
        Assert.True(report.UnpinnedDeviceWrites >= 2);

        // And KVM_DISCARD_RANGE then unpins a page it never pinned.
        Assert.NotNull(report.UnpinError);
        Assert.Contains("no FOLL_PIN reference", report.UnpinError, StringComparison.Ordinal);

        // Boot pinned 6 huge pages (3072 subpages); the re-map added none.
        Assert.Equal(6 * PhysicalMemory.HugePageFrames, report.PinsAcquired);
    }

    [Fact]
    public void Re_pinning_before_mapping_keeps_the_frame_until_vfio_lets_go()
    {
        var report = PageHintingScenario.Run(corrected: true, hostHugePages: 12, guestHugePages: 6);

        Assert.Equal(PhysicalMemory.HugePageFrames, report.PinsOnRemappedPage);

        // The pinned frame survives QEMU's discard, so the new owner is given another one.
        Assert.Equal(report.FreeAfterHinting - 1, report.FreeAfterSecondDiscard);
        Assert.False(report.NewOwnerCorrupted);
        Assert.Equal(0, report.UnpinnedDeviceWrites);
        Assert.Null(report.UnpinError);
        Assert.Equal(7 * PhysicalMemory.HugePageFrames, report.PinsAcquired);
    }

    [Fact]
    public void Scenario_prints_the_hugetlb_counts_at_each_stage()
    {
        var output = new StringWriter();
        PageHintingScenario.Run(corrected: true, hostHugePages: 12, guestHugePages: 6, output: output);
        var text = output.ToString();

        Assert.Contains("start            HugePages_Total:   12  HugePages_Free:   12", text, StringComparison.Ordinal);
        Assert.Contains("after boot       HugePages_Total:   12  HugePages_Free:    6", text, StringComparison.Ordinal);
        Assert.Contains("after hinting    HugePages_Total:   12  HugePages_Free:   10", text, StringComparison.Ordinal);
    }
}
