namespace PinApi.Samples.VfioMdevPci;

/// <summary>
/// A created mediated device: <c>struct vfio_mdev_pci</c> (the mdev plus the parent's <see cref="VfioPciDevice"/>).
/// <see cref="IommuDevice"/> is what <c>mdev_set_iommu_device()</c> recorded: the parent PCI function, which makes this
/// an IOMMU-backed mdev whose DMA goes through the parent's IOMMU domain.
/// </summary>
public sealed class MdevDevice(Guid uuid, MdevType type, VfioPciDevice vdev)
{
    public Guid Uuid { get; } = uuid;

    public MdevType Type { get; } = type;

    public VfioPciDevice Vdev { get; } = vdev;

    public PciDevice? IommuDevice { get; internal set; }

    public int OpenCount { get; internal set; }
}
