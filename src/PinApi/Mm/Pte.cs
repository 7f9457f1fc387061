namespace PinApi;

/// <summary>
/// Page-table entry encoding: flag bits below bit 12, the frame number above, as on x86. A migration entry is
/// not present and names the frame being migrated, so faults and GUP wait for the migration to finish.
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

    public static long Make(long pfn, bool writable) => (pfn << PhysicalMemory.PageShift) | Present | (writable ? Write | Dirty : 0);

    public static long PfnOf(long pte) => (long)((ulong)pte >> PhysicalMemory.PageShift);

    public static bool IsPresent(long pte) => (pte & Present) != 0;

    public static bool IsWritable(long pte) => (pte & Write) != 0;

    public static bool IsMigration(long pte) => (pte & Migration) != 0;

    public static bool IsSpecial(long pte) => (pte & Special) != 0;
}
