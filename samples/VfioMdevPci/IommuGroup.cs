namespace PinApi.Samples.VfioMdevPci;

/// <summary>An IOMMU group: the devices the IOMMU cannot isolate from each other, sharing one domain.</summary>
public sealed class IommuGroup(int id, Iommu domain)
{
    public int Id { get; } = id;

    /// <summary>The domain devices of this group translate through.</summary>
    public Iommu Domain { get; } = domain;

    public List<PciDevice> Devices { get; } = [];

    public bool IsSingleton => Devices.Count == 1;
}
