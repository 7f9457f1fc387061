namespace PinApi;

/// <summary>
/// Page-table entry encoding: flag bits below bit 12, the frame number above, as on x86. A migration entry is
/// not present and names the frame being migrated, so faults and GUP wait for the migration to finish.
/// The same encoding serves the PMD level: a PMD is empty (0), points to a PTE table (<see cref="Table"/>), or is a
/// huge leaf (<see cref="Huge"/>) that maps a whole 2 MiB compound page by its head frame, as the kernel maps THP
/// and hugetlb pages with one PMD entry.
/// </summary>
internal static class Pte
{
    public const long Present = 1 << 0;
    public const long Write = 1 << 1;
    public const long Dirty = 1 << 2;
    public const long Accessed = 1 << 3;
    /// <summary>A pfn mapping with no struct page refcount behind it (VM_PFNMAP).</summary>
    public const long Special = 1 << 4;
    public const long Migration = 1 << 5;
    /// <summary>PMD level only: a leaf mapping a 2 MiB compound page (<c>pmd_trans_huge</c> / a hugetlb PMD); kept in its migration entry.</summary>
    public const long Huge = 1 << 6;
    /// <summary>PMD level only: the block has a PTE table (<c>pmd_present</c>, not a leaf); its PTEs say what is mapped.</summary>
    public const long Table = 1 << 7;

    public static long Make(long pfn, bool writable) => (pfn << PhysicalMemory.PageShift) | Present | (writable ? Write | Dirty : 0);

    /// <summary>A huge PMD leaf for the compound page at <paramref name="head"/>.</summary>
    public static long MakeHuge(long head, bool writable) => Make(head, writable) | Huge;

    public static long PfnOf(long pte) => (long)((ulong)pte >> PhysicalMemory.PageShift);

    public static bool IsPresent(long pte) => (pte & Present) != 0;

    public static bool IsWritable(long pte) => (pte & Write) != 0;

    public static bool IsMigration(long pte) => (pte & Migration) != 0;

    public static bool IsSpecial(long pte) => (pte & Special) != 0;

    /// <summary>A PMD that maps (or, as a migration entry, is migrating) a huge page, rather than pointing to PTEs.</summary>
    public static bool IsHuge(long pmd) => (pmd & Huge) != 0;

    /// <summary>The PTE a huge PMD leaf implies for one of its subpages: same bits, the subpage's frame.</summary>
    public static long Subpage(long pmd, int subpage) => (pmd & ~Huge) + ((long)subpage << PhysicalMemory.PageShift);
}
