namespace PinApi;

/// <summary>
/// The simulated machine's RAM: page frames in zones (Normal, Movable, CMA, Device), a hugetlb pool of 2 MiB pages,
/// transparent huge pages, a shared zero page, per-frame metadata (<see cref="FrameTable"/>) and page data allocated
/// on first touch. Frame layout: pfn 0 is the zero page, then Normal, the hugetlb pool, Movable, CMA and Device.
/// </summary>
public sealed partial class PhysicalMemory : IDisposable
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;
    public const int HugePageOrder = 9;
    public const int HugePageFrames = 1 << HugePageOrder;
    public const int HugePageSize = PageSize * HugePageFrames;

    /// <summary>GUP_PIN_COUNTING_BIAS: what one FOLL_PIN adds to the refcount of a small page (KERNEL.md §5.1).</summary>
    public const int GupPinCountingBias = 1 << 10;

    /// <summary>Bytes of frame metadata per 4 KiB page (the design goal is at most 16).</summary>
    public const int MetadataBytesPerPage = FrameTable.BytesPerFrame;

    private const long ZeroPfn = 0;

    private readonly ZoneAllocator[] zones;
    private readonly HugetlbPool hugetlb;
    private volatile bool disposed;

    /// <summary>Creates a machine with the given number of 4 KiB frames per zone and 2 MiB pages in the hugetlb pool.</summary>
    public PhysicalMemory(long normalPages, long movablePages = 0, long cmaPages = 0, int hugePages = 0, long devicePages = 0)
    {
        if (normalPages < 1 || movablePages < 0 || cmaPages < 0 || hugePages < 0 || devicePages < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(normalPages), "Zone sizes must not be negative and Normal needs at least one page.");
        }

        var normalStart = 1L;
        var normalEnd = normalStart + normalPages;
        var hugeStart = AlignUp(normalEnd, HugePageFrames);
        var hugeEnd = hugeStart + ((long)hugePages * HugePageFrames);
        var movableEnd = hugeEnd + movablePages;
        var cmaEnd = movableEnd + cmaPages;
        var deviceEnd = cmaEnd + devicePages;
        if (deviceEnd > int.MaxValue * 8L)
        {
            throw new ArgumentOutOfRangeException(nameof(normalPages), "At most 64 TiB of simulated memory.");
        }

        TotalFrames = deviceEnd;
        Id = MachineRegistry.Register(this);
        Frames = new FrameTable(deviceEnd);
        DataStore = new PageDataStore(deviceEnd);
        Mappings = new MappingRegistry();
        VmStat = new VmStat();
        PinTracker = new PinTracker();
        zones =
        [
            new ZoneAllocator(Zone.Normal, normalStart, normalEnd),
            new ZoneAllocator(Zone.Movable, hugeEnd, movableEnd),
            new ZoneAllocator(Zone.Cma, movableEnd, cmaEnd),
            new ZoneAllocator(Zone.Device, cmaEnd, deviceEnd),
        ];
        hugetlb = new HugetlbPool(hugeStart, hugePages);

        // Frames of the alignment gap before the hugetlb pool belong to no zone and stay reserved.
        for (var pfn = normalEnd; pfn < hugeStart; pfn++)
        {
            Frames.Flags(pfn) = (uint)PageFlags.Reserved;
        }

        Frames.Flags(ZeroPfn) = (uint)(PageFlags.Reserved | PageFlags.Uptodate);
        Frames.RefCount(ZeroPfn) = 1;
    }

    /// <summary>Creates a machine from byte sizes (each rounded down to whole pages).</summary>
    public static PhysicalMemory FromBytes(long normalBytes, long movableBytes = 0, long cmaBytes = 0, long hugetlbBytes = 0, long deviceBytes = 0) =>
        new(normalBytes / PageSize, movableBytes / PageSize, cmaBytes / PageSize, (int)(hugetlbBytes / HugePageSize), deviceBytes / PageSize);

    /// <summary>Frames in the machine, including the zero page and the hugetlb pool.</summary>
    public long TotalFrames { get; }

    /// <summary>The <c>/proc/vmstat</c> counters of this machine.</summary>
    public VmStat VmStat { get; }

    /// <summary>Who holds which GUP reference, and where it was taken (off until enabled).</summary>
    public PinTracker PinTracker { get; }

    /// <summary>Which kernel's GUP rules this machine follows where the eras differ; mainline unless set.</summary>
    public GupSemantics Semantics { get; set; } = GupSemantics.Mainline;

    /// <summary>The shared zero page that read faults of anonymous memory map; pins of it are not counted.</summary>
    public Page ZeroPage => new(this, ZeroPfn);

    /// <summary>2 MiB pages in the hugetlb pool (<c>HugePages_Total</c>).</summary>
    public int HugePagesTotal => hugetlb.Total;

    /// <summary>Free 2 MiB pages in the hugetlb pool (<c>HugePages_Free</c>).</summary>
    public int HugePagesFree => hugetlb.Free;

    internal FrameTable Frames { get; }

    /// <summary>The id pages use to name this machine (<see cref="MachineRegistry"/>).</summary>
    internal int Id { get; }

    internal PageDataStore DataStore { get; }

    internal MappingRegistry Mappings { get; }

    /// <summary>Free 4 KiB frames in a zone.</summary>
    public long FreePages(Zone zone) => zones[(int)zone].FreePages;

    /// <summary>Frames in a zone.</summary>
    public long ZonePages(Zone zone) => zones[(int)zone].End - zones[(int)zone].Start;

    /// <summary><c>pfn_to_page</c>: the page of a frame number.</summary>
    public Page PfnToPage(long pfn)
    {
        ThrowIfDisposed();
        if ((ulong)pfn >= (ulong)TotalFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, $"No such frame: this machine has {TotalFrames} frames.");
        }

        return new Page(this, pfn);
    }

    /// <summary>Bytes of host memory the frames' contents occupy so far (frames never touched cost nothing).</summary>
    public long MaterializedDataBytes() => DataStore.MaterializedPages() * PageSize;

    /// <summary>
    /// Simulates an uncorrectable memory error on a frame (<c>memory_failure</c>): GUP then refuses the page with
    /// -EHWPOISON under FOLL_HWPOISON and -EFAULT otherwise.
    /// </summary>
    public void PoisonPage(Page page)
    {
        CheckOwned(page, nameof(page));
        SetFlag(page.Pfn, PageFlags.HwPoison);
        var head = HeadOf(page.Pfn);
        if (IsLarge(head))
        {
            // A huge page is taken whole by one PMD walk: the head says that a subpage needs looking at.
            SetFlag(head, PageFlags.HasHwPoisoned);
        }
    }

    /// <summary>
    /// Marks the machine gone: further use throws <see cref="ObjectDisposedException"/>, and its pages no longer
    /// resolve to it, so the machine and its page data can be collected.
    /// </summary>
    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            MachineRegistry.Unregister(Id);
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    internal bool IsDisposed => disposed;

    internal void CheckOwned(Page page, string paramName)
    {
        if (page.IsNull)
        {
            throw new ArgumentException("The page is null (default): no reference was taken into this slot.", paramName);
        }

        ThrowIfDisposed();
        if (page.MachineId != Id)
        {
            throw new ArgumentException($"{page} belongs to another PhysicalMemory.", paramName);
        }
    }

    internal Zone ZoneOf(long pfn)
    {
        foreach (var zone in zones)
        {
            if (zone.Contains(pfn))
            {
                return zone.Zone;
            }
        }

        return Zone.Normal;
    }

    private static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);
}
