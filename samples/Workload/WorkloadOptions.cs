namespace PinApi.Samples.Workload;

/// <summary>How <see cref="WorkloadRunner"/> exercises a driver.</summary>
/// <param name="Pages">Buffer size in 4 KiB pages.</param>
/// <param name="FileBacked">Map a real file MAP_SHARED (page cache, writeback) instead of anonymous memory.</param>
/// <param name="WritebackWhileRegistered">
/// When set, writeback runs with this policy between registration and the device's DMA: the race of KERNEL.md §1.
/// </param>
/// <param name="FinalWriteback">The writeback that runs after release (file-backed workloads only).</param>
/// <param name="RlimitMemlock">RLIMIT_MEMLOCK of the process, in bytes.</param>
/// <param name="Semantics">
/// The machine's GUP rules (<see cref="PhysicalMemory.Semantics"/>); null runs the driver under the rules it asks for
/// (<see cref="IUserBufferDriver.Semantics"/>), e.g. to show a pre-series driver refused under mainline rules.
/// </param>
public sealed record WorkloadOptions(
    int Pages = 8,
    bool FileBacked = false,
    WritebackPolicy? WritebackWhileRegistered = null,
    WritebackPolicy FinalWriteback = WritebackPolicy.PinAware,
    ulong RlimitMemlock = ulong.MaxValue,
    GupSemantics? Semantics = null);
