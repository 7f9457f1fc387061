namespace PinApi.Samples.VfioMdevPci;

/// <summary><c>struct vfio_device_info</c>.</summary>
public sealed record VfioDeviceInfo(uint Flags, uint NumRegions, uint NumIrqs);
