namespace PinApi.Samples.VfioMdevPci;

/// <summary>
/// One entry of <c>mdev_supported_types</c>: the sample's single type. Its name follows patch 12's
/// "%04x:%04x:%04x:%04x:%06x:%02x" (vendor, device, subvendor, subdevice, class, revision).
/// </summary>
public sealed class MdevType(PciDevice pdev)
{
    /// <summary>VFIO_DEVICE_API_PCI_STRING.</summary>
    public const string DeviceApiPci = "vfio-pci";

    public string Name { get; } = $"{pdev.Vendor:x4}:{pdev.Device:x4}:{pdev.SubVendor:x4}:{pdev.SubDevice:x4}:{pdev.ClassCode:x6}:{pdev.Revision:x2}";

    public string DeviceApi => DeviceApiPci;

    /// <summary>"available_instances" is always 1 in the sample, whatever exists already.</summary>
    public int AvailableInstances => 1;
}
