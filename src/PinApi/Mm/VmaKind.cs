namespace PinApi;

/// <summary>What backs a virtual memory area.</summary>
public enum VmaKind
{
    /// <summary>MAP_PRIVATE | MAP_ANONYMOUS: zero page on read, a fresh page on write.</summary>
    AnonymousPrivate,
    /// <summary>MAP_SHARED of a regular file: page cache pages, dirty tracking and writeback to disk.</summary>
    FileShared,
    /// <summary>MAP_PRIVATE of a regular file: page cache pages until the first write copies them (COW).</summary>
    FilePrivate,
    /// <summary>MAP_SHARED | MAP_ANONYMOUS (shmem): a page cache with no disk behind it, no writeback.</summary>
    Shmem,
    /// <summary>MAP_HUGETLB: 2 MiB pages from the hugetlb pool.</summary>
    Hugetlb,
    /// <summary>MAP_SHARED of a file on fs-DAX: the file's blocks are ZONE_DEVICE memory, no page cache.</summary>
    FsDax,
    /// <summary>A device mapping (remap_pfn_range): VM_IO | VM_PFNMAP, no struct page behind the PTEs for GUP.</summary>
    Device,
}
