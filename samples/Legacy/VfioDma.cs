namespace PinApi.Samples.Legacy;

/// <summary>
/// <c>struct vfio_dma</c>: one VFIO_IOMMU_MAP_DMA range. <see cref="Size"/> grows as chunks are pinned and mapped;
/// <see cref="PfnList"/> holds the pages pinned through the external <c>vfio_pin_pages()</c> path, by IOVA.
/// </summary>
public sealed class VfioDma
{
    internal VfioDma(ulong iova, ulong vaddr, Protection prot, AddressSpace task)
    {
        Iova = iova;
        Vaddr = vaddr;
        Prot = prot;
        Task = task;
    }

    public ulong Iova { get; }

    public ulong Vaddr { get; }

    /// <summary>IOMMU_READ / IOMMU_WRITE from the device's point of view.</summary>
    public Protection Prot { get; }

    /// <summary>The mm of the task that mapped it (<c>dma-&gt;task</c>).</summary>
    public AddressSpace Task { get; }

    public ulong Size { get; internal set; }

    /// <summary><c>dma-&gt;lock_cap</c>: CAP_IPC_LOCK, which exempts the task from RLIMIT_MEMLOCK.</summary>
    public bool LockCap { get; init; }

    /// <summary><c>dma-&gt;pfn_list</c>: externally pinned pages (iova → pfn, refcount).</summary>
    internal Dictionary<ulong, (long Pfn, int RefCount)> PfnList { get; } = [];

    public bool Contains(ulong iova) => iova >= Iova && iova < Iova + Size;
}
