namespace PinApi;

/// <summary>
/// A virtual memory area (<c>vm_area_struct</c>): a page-aligned range with one backing, protection and set of
/// flags, and its page tables: one PMD per 2 MiB block it overlaps and one PTE per page. A huge page (hugetlb, or a
/// THP in an aligned block wholly inside the VMA) is mapped by one huge PMD leaf and its block's PTEs stay unused;
/// every other page by its PTE. Both arrays are read without the mmap lock by the fast GUP path, so every update of
/// an entry is a single atomic store or compare-and-swap.
/// </summary>
public sealed class Vma
{
    internal Vma(AddressSpace owner, ulong start, ulong end, VmaKind kind, Protection protection, VmFlags flags, PageCache? cache, long pgoff, long[] ptes, long[] pmds)
    {
        Owner = owner;
        Start = start;
        End = end;
        Kind = kind;
        Protection = protection;
        Flags = flags;
        Cache = cache;
        PageOffset = pgoff;
        Ptes = ptes;
        Pmds = pmds;
    }

    public ulong Start { get; }

    public ulong End { get; }

    public ulong Length => End - Start;

    public VmaKind Kind { get; }

    public Protection Protection { get; internal set; }

    public VmFlags Flags { get; internal set; }

    /// <summary>The file page index of <see cref="Start"/> (<c>vm_pgoff</c>), for file mappings.</summary>
    public long PageOffset { get; }

    internal AddressSpace Owner { get; }

    internal PageCache? Cache { get; }

    internal long[] Ptes { get; }

    /// <summary>One entry per 2 MiB block the VMA overlaps, from the block containing <see cref="Start"/>.</summary>
    internal long[] Pmds { get; }

    internal bool IsAnonymous => Kind == VmaKind.AnonymousPrivate;

    /// <summary>A private mapping where writes copy (what FOLL_FORCE may write into).</summary>
    internal bool IsCow => (Flags & (VmFlags.Shared | VmFlags.MayWrite)) == VmFlags.MayWrite;

    internal bool Contains(ulong address) => address >= Start && address < End;

    internal ref long PteAt(ulong address) => ref Ptes[(address - Start) >> PhysicalMemory.PageShift];

    internal ref long PmdAt(ulong address) => ref Pmds[PmdIndex(address)];

    internal int PmdIndex(ulong address) => (int)((address >> PmdShift) - (Start >> PmdShift));

    /// <summary>
    /// The entry that maps <paramref name="address"/>: its PMD when that is a huge leaf or a huge migration entry
    /// (<paramref name="subpage"/> is then the page's index in the huge page), otherwise its PTE (subpage 0).
    /// <c>Pte.PfnOf(entry) + subpage</c> is the frame either way.
    /// </summary>
    internal ref long EntryAt(ulong address, out int subpage)
    {
        ref var pmd = ref PmdAt(address);
        if (Pte.IsHuge(Volatile.Read(ref pmd)))
        {
            subpage = (int)((address >> PhysicalMemory.PageShift) & (PhysicalMemory.HugePageFrames - 1));
            return ref pmd;
        }

        subpage = 0;
        return ref PteAt(address);
    }

    /// <summary>The PTE-level view of the entry mapping <paramref name="address"/> (a huge leaf gives its subpage's PTE).</summary>
    internal long ReadEntry(ulong address)
    {
        // The PMD first: a split writes the PTEs before it turns the PMD into a table pointer.
        var pmd = Volatile.Read(ref PmdAt(address));
        return Pte.IsHuge(pmd)
            ? Pte.Subpage(pmd, (int)((address >> PhysicalMemory.PageShift) & (PhysicalMemory.HugePageFrames - 1)))
            : Volatile.Read(ref PteAt(address));
    }

    /// <summary>True when the aligned 2 MiB block at <paramref name="block"/> lies wholly inside the VMA (a PMD may map it).</summary>
    internal bool CoversBlock(ulong block) => block >= Start && block + PhysicalMemory.HugePageSize <= End;

    internal static int PmdCount(ulong start, ulong end) => (int)(((end - 1) >> PmdShift) - (start >> PmdShift) + 1);

    internal const int PmdShift = PhysicalMemory.PageShift + PhysicalMemory.HugePageOrder;

    internal long FileIndexOf(ulong address) => PageOffset + (long)((address - Start) >> PhysicalMemory.PageShift);

    public override string ToString() => $"0x{Start:x}-0x{End:x} {Kind} {Protection}";
}
