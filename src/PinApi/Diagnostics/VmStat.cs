namespace PinApi;

/// <summary>Event counters of one <see cref="PhysicalMemory"/>, as <c>/proc/vmstat</c> shows them.</summary>
public sealed class VmStat
{
    private static readonly string[] ProcNames =
    [
        "nr_foll_pin_acquired",
        "nr_foll_pin_released",
        "pgfault",
        "pgmajfault",
        "thp_fault_alloc",
        "pgmigrate_success",
        "pgmigrate_fail",
        "nr_dirtied",
        "nr_written",
        "sim_writeback_skipped_pinned",
        "sim_writeback_lost",
    ];

    private readonly long[] counters = new long[ProcNames.Length];

    /// <summary>nr_foll_pin_acquired.</summary>
    public long NrFollPinAcquired => this[VmStatItem.NrFollPinAcquired];

    /// <summary>nr_foll_pin_released.</summary>
    public long NrFollPinReleased => this[VmStatItem.NrFollPinReleased];

    /// <summary>Logical pins outstanding: acquired − released (invariant I2 of KERNEL.md §5.6).</summary>
    public long OutstandingPins => NrFollPinAcquired - NrFollPinReleased;

    public long this[VmStatItem item] => Volatile.Read(ref counters[(int)item]);

    /// <summary>The <c>/proc/vmstat</c> name of a counter.</summary>
    public static string ProcName(VmStatItem item) => ProcNames[(int)item];

    /// <summary>Every counter by its <c>/proc/vmstat</c> name.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var result = new Dictionary<string, long>(ProcNames.Length);
        for (var i = 0; i < ProcNames.Length; i++)
        {
            result[ProcNames[i]] = Volatile.Read(ref counters[i]);
        }

        return result;
    }

    public override string ToString() => string.Join(Environment.NewLine, Snapshot().Select(kv => $"{kv.Key} {kv.Value}"));

    internal void Add(VmStatItem item, long delta)
    {
        if (delta != 0)
        {
            Interlocked.Add(ref counters[(int)item], delta);
        }
    }

    internal void Increment(VmStatItem item) => Interlocked.Increment(ref counters[(int)item]);
}
