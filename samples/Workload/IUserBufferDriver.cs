namespace PinApi.Samples.Workload;

/// <summary>
/// What every ported call site looks like from the outside: a driver that takes a user buffer (registers, pins or
/// maps it), lets its device read or write that buffer, and gives it back. Legacy (pre-series, FOLL_GET) and
/// Drivers (post-series, FOLL_PIN) implement it the same way, so <see cref="WorkloadRunner"/> can compare them.
/// </summary>
public interface IUserBufferDriver
{
    /// <summary>Short name shared by a Legacy driver and its Drivers twin.</summary>
    string Name { get; }

    /// <summary>The kernel file and function the port follows.</summary>
    string KernelSite { get; }

    /// <summary>
    /// The GUP rules of the kernel the port follows, which <see cref="WorkloadRunner"/> gives the machine it makes
    /// (unless <see cref="WorkloadOptions.Semantics"/> overrides them). Post-series code runs under mainline rules, the
    /// default; pre-series code that passes FOLL_LONGTERM to the GET family needs <see cref="GupSemantics.SeedEra"/>.
    /// </summary>
    GupSemantics Semantics => GupSemantics.Mainline;

    /// <summary>True when the device writes the buffer (DMA_FROM_DEVICE); false when it only reads it.</summary>
    bool DeviceWritesMemory { get; }

    /// <summary>Takes <paramref name="length"/> bytes at <paramref name="address"/> of <paramref name="mm"/>: 0 or a negative errno.</summary>
    int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length);

    /// <summary>The device writes <paramref name="bytes"/> at <paramref name="offset"/> of the buffer: 0 or a negative errno.</summary>
    int DeviceWrite(long offset, ReadOnlySpan<byte> bytes);

    /// <summary>The device reads the buffer at <paramref name="offset"/>: 0 or a negative errno.</summary>
    int DeviceRead(long offset, Span<byte> destination);

    /// <summary>Gives the buffer back (unregister, unpin, put).</summary>
    void Release();
}
