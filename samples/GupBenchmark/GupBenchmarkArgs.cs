namespace PinApi.Samples.GupBenchmark;

/// <summary><c>struct gup_benchmark { u64 get_delta_usec, put_delta_usec, addr, size; u32 nr_pages_per_call, flags; }</c>.</summary>
public struct GupBenchmarkArgs
{
    public long GetDeltaUsec;
    public long PutDeltaUsec;
    public ulong Addr;
    public ulong Size;
    public uint NrPagesPerCall;
    public GupFlags Flags;
}
