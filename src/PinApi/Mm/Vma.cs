namespace PinApi;

/// <summary>
/// A virtual memory area (<c>vm_area_struct</c>): a page-aligned range with one backing, protection and set of
/// flags, and its page-table entries. The PTE array is read without the mmap lock by the fast GUP path, so every
/// update of an entry is a single atomic store or compare-and-swap.
/// </summary>
public sealed class Vma
{
    internal Vma(AddressSpace owner, ulong start, ulong end, VmaKind kind, Protection protection, VmFlags flags, PageCache? cache, long pgoff, long[] ptes)
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

    internal bool IsAnonymous => Kind == VmaKind.AnonymousPrivate;

    /// <summary>A private mapping where writes copy (what FOLL_FORCE may write into).</summary>
    internal bool IsCow => (Flags & (VmFlags.Shared | VmFlags.MayWrite)) == VmFlags.MayWrite;

    internal bool Contains(ulong address) => address >= Start && address < End;

    internal ref long PteAt(ulong address) => ref Ptes[(address - Start) >> PhysicalMemory.PageShift];

    internal long FileIndexOf(ulong address) => PageOffset + (long)((address - Start) >> PhysicalMemory.PageShift);

    public override string ToString() => $"0x{Start:x}-0x{End:x} {Kind} {Protection}";
}
