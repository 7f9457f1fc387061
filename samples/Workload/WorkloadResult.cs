namespace PinApi.Samples.Workload;

/// <summary>What a run of one driver left behind, as the process, the disk and <c>/proc/vmstat</c> see it.</summary>
public sealed record WorkloadResult
{
    public required string Driver { get; init; }

    /// <summary>The GUP rules the machine ran with.</summary>
    public GupSemantics Semantics { get; init; }

    /// <summary>The driver's registration result: 0 or a negative errno.</summary>
    public required int RegisterResult { get; init; }

    /// <summary>The device access result (0 or a negative errno); null when registration failed.</summary>
    public int? DeviceResult { get; init; }

    /// <summary>The process reads back exactly what the device wrote (or, for a reading device, the device read what the process wrote).</summary>
    public bool DataSeenByProcess { get; init; }

    /// <summary>The file on disk holds what the device wrote (file-backed workloads whose device writes).</summary>
    public bool DataOnDisk { get; init; }

    /// <summary>Writeback that ran while the buffer was registered (the race), if any.</summary>
    public WritebackResult WritebackWhileRegistered { get; init; }

    /// <summary>Writeback after release.</summary>
    public WritebackResult FinalWriteback { get; init; }

    /// <summary>Whether the pages were dirty right after release (what writeback would still write).</summary>
    public bool PagesDirtyAfterRelease { get; init; }

    public long PinsAcquired { get; init; }

    public long PinsReleased { get; init; }

    /// <summary>Device writes into frames that were not pinned (DMA the kernel could not see).</summary>
    public long UnpinnedDeviceWrites { get; init; }

    /// <summary><c>mm->locked_vm</c> and <c>mm->pinned_vm</c> after release, in pages.</summary>
    public long LockedVmAfterRelease { get; init; }

    public long PinnedVmAfterRelease { get; init; }

    /// <summary>Normal-zone frames still in use after the driver released and the process and file went away (leaked references).</summary>
    public long FramesLeaked { get; init; }

    public bool PinsBalanced => PinsAcquired == PinsReleased;
}
