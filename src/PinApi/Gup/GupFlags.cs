using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// The FOLL_* flags with their mainline values (KERNEL.md §3.1: the public enum of <c>mm_types.h</c> and the internal
/// flags of <c>mm/internal.h</c>). Callers pass only the public ones; the internal ones are set by the entry points
/// and rejected from callers exactly as <c>is_valid_gup_args()</c> does.
/// </summary>
[Flags]
public enum GupFlags : uint
{
    None = 0,
    /// <summary>FOLL_WRITE: the PTE must be writable; write-faults and breaks COW.</summary>
    [AcceptedByFast]
    Write = 1u << 0,
    /// <summary>FOLL_GET: take a <c>get_page</c> reference. Set by the get_* entry points; never with pin_*.</summary>
    [InternalFlag, AcceptedByFast]
    Get = 1u << 1,
    /// <summary>FOLL_DUMP: error on a hole that would read as zero (core dumps).</summary>
    Dump = 1u << 2,
    /// <summary>FOLL_FORCE: access without VMA permission (ptrace); writes only to COW mappings.</summary>
    [AcceptedByFast]
    Force = 1u << 3,
    /// <summary>FOLL_NOWAIT: start IO but do not wait; may return 0.</summary>
    Nowait = 1u << 4,
    /// <summary>FOLL_NOFAULT: never fault; -EFAULT instead.</summary>
    [AcceptedByFast]
    Nofault = 1u << 5,
    /// <summary>FOLL_HWPOISON: report poisoned pages as -EHWPOISON.</summary>
    Hwpoison = 1u << 6,
    /// <summary>FOLL_ANON: refuse file mappings.</summary>
    Anon = 1u << 7,
    /// <summary>FOLL_LONGTERM: the pin is held indefinitely; only with FOLL_PIN.</summary>
    [AcceptedByFast]
    Longterm = 1u << 8,
    /// <summary>FOLL_SPLIT_PMD: split a huge PMD mapping first; -EOPNOTSUPP on hugetlb.</summary>
    SplitPmd = 1u << 9,
    /// <summary>FOLL_PCI_P2PDMA: allow PCI peer-to-peer DMA pages.</summary>
    [AcceptedByFast]
    PciP2pdma = 1u << 10,
    /// <summary>FOLL_INTERRUPTIBLE: any signal interrupts, not only fatal ones.</summary>
    Interruptible = 1u << 11,
    /// <summary>FOLL_HONOR_NUMA_FAULT: trigger NUMA hinting faults.</summary>
    [AcceptedByFast]
    HonorNumaFault = 1u << 12,

    /// <summary>FOLL_TOUCH (internal): mark the page accessed, and dirty with FOLL_WRITE.</summary>
    [InternalFlag]
    Touch = 1u << 16,
    /// <summary>FOLL_TRIED (internal): second pass after a dropped lock.</summary>
    [InternalFlag]
    Tried = 1u << 17,
    /// <summary>FOLL_REMOTE (internal): set by the *_remote entry points.</summary>
    [InternalFlag]
    Remote = 1u << 18,
    /// <summary>FOLL_PIN (internal): pages must be released with the unpin family.</summary>
    [InternalFlag, AcceptedByFast]
    Pin = 1u << 19,
    /// <summary>FOLL_FAST_ONLY (internal): no slow-path fallback.</summary>
    [InternalFlag, AcceptedByFast]
    FastOnly = 1u << 20,
    /// <summary>FOLL_UNLOCKABLE (internal): GUP may drop the mmap lock.</summary>
    [InternalFlag]
    Unlockable = 1u << 21,
    /// <summary>FOLL_MADV_POPULATE (internal): MADV_POPULATE_* lookups.</summary>
    [InternalFlag]
    MadvPopulate = 1u << 22,
}
