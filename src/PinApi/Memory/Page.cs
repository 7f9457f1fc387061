using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// A page frame (<c>struct page *</c>): the frame number and the machine it belongs to. <c>default(Page)</c> is the
/// null page. Reference counts, flags and the compound structure are read live from the frame table.
/// </summary>
public readonly struct Page : IEquatable<Page>
{
    /// <summary>Bits of the packed value that hold the frame number; the rest hold the machine's id.</summary>
    internal const int PfnBits = 44;

    internal const int MachineBits = 64 - PfnBits;

    private const ulong PfnMask = (1UL << PfnBits) - 1;

    // The machine id and the frame number in one word, so that a Page is an unmanaged 8-byte value (see MachineRegistry).
    private readonly ulong value;

    internal Page(PhysicalMemory memory, long pfn) => value = Pack(memory.Id, pfn);

    internal Page(ulong packed) => value = packed;

    /// <summary>The packed value of the page <paramref name="pfn"/> of machine <paramref name="machineId"/>.</summary>
    internal static ulong Pack(int machineId, long pfn) => ((ulong)machineId << PfnBits) | (ulong)pfn;

    /// <summary>
    /// The number of the aligned 2 MiB block of frames this page lies in, machine included: two pages of one
    /// compound page (order 9, naturally aligned) always share it.
    /// </summary>
    internal static ulong BlockKey(ulong packed) => packed >> PhysicalMemory.HugePageOrder;

    /// <summary>The machine the frame belongs to; null for the null page and for pages of a disposed machine.</summary>
    public PhysicalMemory? Memory => MachineId == 0 ? null : MachineRegistry.Get(MachineId);

    /// <summary>The page frame number.</summary>
    public long Pfn => (long)(value & PfnMask);

    /// <summary>True for <c>default(Page)</c>, an empty slot of a pages array.</summary>
    public bool IsNull => value == 0;

    internal int MachineId => (int)(value >> PfnBits);

    /// <summary>The machine id and frame number as stored (see <see cref="Pack"/>).</summary>
    internal ulong Packed => value;

    /// <summary>The page's 4 KiB of data (<c>kmap</c>), allocated on first touch. Writes here bypass page tables.</summary>
    [PageData]
    public Span<byte> Data => Owner.DataStore.Get(Pfn);

    /// <summary><c>page_count()</c>: the refcount of the folio this page belongs to.</summary>
    public int RefCount => Volatile.Read(ref Owner.Frames.RefCount(Owner.HeadOf(Pfn)));

    /// <summary>
    /// Pins held: exact for compound pages (their pincount), <c>RefCount / GupPinCountingBias</c> for small pages,
    /// which is fuzzy by design (1024 FOLL_GET references look like one pin, KERNEL.md §5.1).
    /// </summary>
    public int PinCount
    {
        get
        {
            var memory = Owner;
            var head = memory.HeadOf(Pfn);
            return memory.IsLarge(head)
                ? Volatile.Read(ref memory.PinCountOf(head))
                : Volatile.Read(ref memory.Frames.RefCount(head)) / PhysicalMemory.GupPinCountingBias;
        }
    }

    /// <summary>PG_dirty of the folio.</summary>
    public bool IsDirty => Owner.TestFlag(Owner.HeadOf(Pfn), PageFlags.Dirty);

    /// <summary>PG_locked of the folio.</summary>
    public bool IsLocked => Owner.TestFlag(Owner.HeadOf(Pfn), PageFlags.Locked);

    /// <summary>The zone the frame lives in.</summary>
    public Zone Zone => Owner.ZoneOf(Pfn);

    /// <summary>True when the page is the head or a tail of a compound (huge) page.</summary>
    public bool IsCompound => Owner.IsLarge(Owner.HeadOf(Pfn));

    /// <summary>True for a page of the hugetlb pool.</summary>
    public bool IsHugetlb => Owner.TestFlag(Pfn, PageFlags.Hugetlb);

    /// <summary>True for the shared zero page.</summary>
    public bool IsZeroPage => Owner.IsZeroPfn(Pfn);

    /// <summary>True for a page of anonymous memory (as opposed to a file's page cache).</summary>
    public bool IsAnon => Owner.TestFlag(Owner.HeadOf(Pfn), PageFlags.Anon);

    /// <summary>True for a frame that is free (in the allocator, not in use).</summary>
    public bool IsFree
    {
        get
        {
            var head = Owner.HeadOf(Pfn);
            return !Owner.IsZeroPfn(head) && Volatile.Read(ref Owner.Frames.RefCount(head)) == 0;
        }
    }

    /// <summary><c>compound_head()</c>: the head page (the page itself when not compound).</summary>
    public Page CompoundHead => new(Owner, Owner.HeadOf(Pfn));

    /// <summary>The compound order: 9 for 2 MiB pages, 0 for small pages.</summary>
    public int Order => Owner.OrderOf(Owner.HeadOf(Pfn));

    private PhysicalMemory Owner => Memory ?? throw (IsNull
        ? new InvalidOperationException("The page is null (default(Page)): no reference was taken into this slot.")
        : new ObjectDisposedException(nameof(PhysicalMemory), "The page belongs to a PhysicalMemory that has been disposed."));

    public static bool operator ==(Page left, Page right) => left.Equals(right);

    public static bool operator !=(Page left, Page right) => !left.Equals(right);

    public bool Equals(Page other) => value == other.value;

    public override bool Equals(object? obj) => obj is Page other && Equals(other);

    public override int GetHashCode() => value.GetHashCode();

    public override string ToString()
    {
        var memory = Memory;
        if (memory is null)
        {
            return IsNull ? "page (null)" : $"page pfn 0x{Pfn:x} (of a disposed machine)";
        }

        var head = memory.HeadOf(Pfn);
        var kind = memory.IsZeroPfn(Pfn) ? "zero page" : memory.IsLarge(head) ? $"order {memory.OrderOf(head)}" : "order 0";
        return $"page pfn 0x{Pfn:x} ({Zone}, {kind}, refcount {Volatile.Read(ref memory.Frames.RefCount(head))})";
    }
}
