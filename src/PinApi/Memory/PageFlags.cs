namespace PinApi;

/// <summary>
/// Per-frame flag word (<c>page->flags</c>). The low bits are the kernel's PG_* bits this simulation needs; the
/// compound order is encoded above them, as the kernel encodes its own fields in the upper flag bits.
/// </summary>
[Flags]
internal enum PageFlags : uint
{
    None = 0,
    Locked = 1u << 0,
    Dirty = 1u << 1,
    Uptodate = 1u << 2,
    /// <summary>PG_private: the filesystem has buffers (blocks reserved) for this page, set by write-notify.</summary>
    Private = 1u << 3,
    Referenced = 1u << 4,
    Head = 1u << 5,
    Tail = 1u << 6,
    Hugetlb = 1u << 7,
    Anon = 1u << 8,
    Reserved = 1u << 9,
    HwPoison = 1u << 10,
    Buddy = 1u << 11,
    Writeback = 1u << 12,
    Thp = 1u << 13,
    /// <summary>PG_has_hwpoisoned, on a compound head: some subpage is poisoned, so GUP checks the subpages one by one.</summary>
    HasHwPoisoned = 1u << 14,

    OrderShift = 20,
    OrderMask = 15u << 20,
}
