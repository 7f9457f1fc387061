namespace PinApi;

/// <summary>The VM_* flags of a VMA that GUP's <c>check_vma_flags()</c> looks at.</summary>
[Flags]
public enum VmFlags
{
    None = 0,
    Read = 1 << 0,
    Write = 1 << 1,
    Exec = 1 << 2,
    Shared = 1 << 3,
    MayRead = 1 << 4,
    MayWrite = 1 << 5,
    Io = 1 << 6,
    PfnMap = 1 << 7,
    Hugetlb = 1 << 8,
    /// <summary>VM_HUGEPAGE (MADV_HUGEPAGE): faults may allocate transparent huge pages.</summary>
    HugePage = 1 << 9,
}
