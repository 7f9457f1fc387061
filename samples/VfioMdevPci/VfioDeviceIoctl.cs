namespace PinApi.Samples.VfioMdevPci;

/// <summary>The VFIO device ioctls the sample forwards (a subset of VFIO_DEVICE_*).</summary>
public enum VfioDeviceIoctl
{
    GetInfo,
    GetRegionInfo,
    Reset,
}
