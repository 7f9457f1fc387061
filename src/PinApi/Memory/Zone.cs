namespace PinApi;

/// <summary>The memory zones a page frame can live in.</summary>
public enum Zone : byte
{
    /// <summary>ZONE_NORMAL: unmovable kernel allocations, the hugetlb pool, and the targets of long-term pin migration.</summary>
    Normal = 0,
    /// <summary>ZONE_MOVABLE: user pages only, so that memory can be offlined; not long-term pinnable (KERNEL.md §4).</summary>
    Movable = 1,
    /// <summary>CMA pageblocks: lent to movable allocations, reclaimed for contiguous allocations; not long-term pinnable.</summary>
    Cma = 2,
    /// <summary>ZONE_DEVICE: persistent memory behind fs-DAX and device memory behind VM_PFNMAP mappings.</summary>
    Device = 3,
}
