namespace PinApi.Samples.PageHinting;

/// <summary>What one run of <see cref="PageHintingScenario"/> observed.</summary>
public sealed record PageHintingReport
{
    public bool Corrected { get; init; }

    public int HugePagesTotal { get; init; }

    public int FreeAtStart { get; init; }

    public int FreeAfterBoot { get; init; }

    public int FreeAfterHinting { get; init; }

    public int HintedPages { get; init; }

    /// <summary>Pins on the re-faulted huge page right after the EPT fault re-mapped it for the device.</summary>
    public int PinsOnRemappedPage { get; init; }

    /// <summary>The guest reads what the device wrote into the re-faulted page.</summary>
    public bool GuestSeesDeviceData { get; init; }

    /// <summary>Free huge pages right after QEMU discarded the re-faulted page a second time.</summary>
    public int FreeAfterSecondDiscard { get; init; }

    /// <summary>The new owner of the reused frame found the device's bytes in its page.</summary>
    public bool NewOwnerCorrupted { get; init; }

    /// <summary>IOMMU writes into frames nobody had pinned.</summary>
    public long UnpinnedDeviceWrites { get; init; }

    /// <summary>What the library said when the second KVM_DISCARD_RANGE unpinned a page that was never pinned.</summary>
    public string? UnpinError { get; init; }

    public long PinsAcquired { get; init; }

    public long PinsReleased { get; init; }

    public int FreeAtEnd { get; init; }
}
