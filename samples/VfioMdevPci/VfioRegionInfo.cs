namespace PinApi.Samples.VfioMdevPci;

/// <summary><c>struct vfio_region_info</c>.</summary>
public sealed record VfioRegionInfo(uint Index, uint Flags, ulong Size, ulong Offset);
