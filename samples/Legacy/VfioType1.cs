namespace PinApi.Samples.Legacy;

/// <summary>
/// The workload face of <see cref="VfioIommuType1"/>: a user (QEMU) maps its buffer for a passthrough device with
/// VFIO_IOMMU_MAP_DMA, the device DMAs by IOVA through the IOMMU, and VFIO_IOMMU_UNMAP_DMA unpins with dirty = write.
/// drivers/vfio/vfio_iommu_type1.c: vfio_dma_do_map, vaddr_get_pfn, put_pfn, vfio_dma_do_unmap.
/// </summary>
public sealed class VfioType1 : IUserBufferDriver
{
    /// <summary>Where the guest-physical (IOVA) space of the buffer starts.</summary>
    public const ulong IovaBase = 0x1_0000_0000;

    private VfioIommuType1? container;
    private ulong size;

    public string Name => "vfio_type1";

    public string KernelSite => "drivers/vfio/vfio_iommu_type1.c: vaddr_get_pfn, put_pfn, vfio_pin_map_dma, vfio_unmap_unpin";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        container = new VfioIommuType1(mm, iommu);
        size = PageMath.PageAlign(length);
        return container.MapDma(address, IovaBase, size, Protection.ReadWrite);
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes) => container!.Domain!.DeviceWrite(IovaBase + (ulong)offset, bytes);

    public int DeviceRead(long offset, Span<byte> destination) => container!.Domain!.DeviceRead(IovaBase + (ulong)offset, destination);

    public void Release()
    {
        container?.UnmapDma(IovaBase, size);
        container = null;
    }
}
