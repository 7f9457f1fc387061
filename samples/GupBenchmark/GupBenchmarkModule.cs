using System.Diagnostics;

namespace PinApi.Samples.GupBenchmark;

/// <summary>
/// mm/gup_benchmark.c (~v5.9): <c>__gup_benchmark_ioctl()</c>, <c>verify_dma_pinned()</c> and <c>put_back_pages()</c>.
/// Walks [addr, addr + size) in chunks of <c>nr_pages_per_call</c>, timing the acquire loop and the release loop
/// separately (ktime_get → Stopwatch). The kernel runs one loop with a switch on the command; the port has one loop
/// per reference family (<see cref="GetLoop"/>, <see cref="PinLoop"/>) filling the caller's array, and the caller
/// releases what they took with the matching family (put_page or unpin_user_pages).
/// </summary>
public static class GupBenchmarkModule
{
    /// <summary>The ioctl: 0 or a negative errno. On return <paramref name="gup"/> holds the times and the size covered.</summary>
    public static int Ioctl(AddressSpace mm, BenchmarkCommand cmd, ref GupBenchmarkArgs gup)
    {
        ArgumentNullException.ThrowIfNull(mm);

        // "Filter out most gup flags: only allow a tiny subset here"
        gup.Flags &= GupFlags.Write;
        return cmd switch
        {
            BenchmarkCommand.GupFast => BenchmarkGet(mm, fast: true, ref gup),
            BenchmarkCommand.Gup => BenchmarkGet(mm, fast: false, ref gup),
            BenchmarkCommand.PinFast => BenchmarkPin(mm, fast: true, longterm: false, ref gup),
            BenchmarkCommand.Pin => BenchmarkPin(mm, fast: false, longterm: false, ref gup),
            BenchmarkCommand.PinLongterm => BenchmarkPin(mm, fast: false, longterm: true, ref gup),
            _ => -(int)Errno.EINVAL,
        };
    }

    /// <summary>GUP_FAST_BENCHMARK and GUP_BENCHMARK: get_user_pages[_fast]() then put_page() on each.</summary>
    private static int BenchmarkGet(AddressSpace mm, bool fast, ref GupBenchmarkArgs gup)
    {
        var pages = new Page[gup.Size / PhysicalMemory.PageSize];
        var mmapLock = fast ? default : mm.MmapReadLock();
        try
        {
            var start = Stopwatch.GetTimestamp();
            var i = GetLoop(mm, fast, gup, pages);

            gup.GetDeltaUsec = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            gup.Size = (ulong)i * PhysicalMemory.PageSize;

            start = Stopwatch.GetTimestamp();
            for (long j = 0; j < i; j++)
            {
                Gup.PutPage(pages[j]);
            }

            gup.PutDeltaUsec = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            return 0;
        }
        finally
        {
            mmapLock.Dispose();
        }
    }

    /// <summary>
    /// PIN_FAST_BENCHMARK, PIN_BENCHMARK and PIN_LONGTERM_BENCHMARK: pin_user_pages[_fast](), the untimed
    /// <c>verify_dma_pinned()</c>, then unpin_user_pages(). A page that does not read as pinned is -EIO here (the
    /// kernel WARNs and dump_page()s it).
    /// </summary>
    private static int BenchmarkPin(AddressSpace mm, bool fast, bool longterm, ref GupBenchmarkArgs gup)
    {
        var pages = new Page[gup.Size / PhysicalMemory.PageSize];
        var flags = gup.Flags | (longterm ? GupFlags.Longterm : GupFlags.None);
        var mmapLock = fast ? default : mm.MmapReadLock();
        try
        {
            var start = Stopwatch.GetTimestamp();
            var i = PinLoop(mm, fast, gup, flags, pages);

            gup.GetDeltaUsec = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            gup.Size = (ulong)i * PhysicalMemory.PageSize;

            // "Take an un-benchmark-timed moment to verify DMA pinned state"
            var verified = true;
            for (long j = 0; j < i && verified; j++)
            {
                verified = Gup.PageMaybeDmaPinned(pages[j]);
            }

            start = Stopwatch.GetTimestamp();
            Gup.UnpinUserPages(pages.AsSpan(0, (int)i));
            gup.PutDeltaUsec = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            return verified ? 0 : -(int)Errno.EIO;
        }
        finally
        {
            mmapLock.Dispose();
        }
    }

    /// <summary>
    /// The timed loop of <c>__gup_benchmark_ioctl()</c> for the GUP commands: [addr, addr + size) in chunks of
    /// <c>nr_pages_per_call</c> into <c>pages + i</c>, stopping at the first short or failed call. Returns the pages taken.
    /// </summary>
    private static long GetLoop(AddressSpace mm, bool fast, GupBenchmarkArgs gup, Span<Page> pages)
    {
        long i = 0;
        var nr = (long)gup.NrPagesPerCall;
        for (var addr = gup.Addr; addr < gup.Addr + gup.Size; addr += (ulong)nr * PhysicalMemory.PageSize)
        {
            if (nr != gup.NrPagesPerCall)
            {
                break;
            }

            nr = Math.Min(nr, (long)((gup.Addr + gup.Size - addr) / PhysicalMemory.PageSize));
            nr = fast
                ? Gup.GetUserPagesFast(mm, addr, (int)nr, gup.Flags, pages[(int)i..])
                : Gup.GetUserPages(mm, addr, nr, gup.Flags, pages[(int)i..]);
            if (nr <= 0)
            {
                break;
            }

            i += nr;
        }

        return i;
    }

    /// <summary>The same loop for the PIN commands.</summary>
    private static long PinLoop(AddressSpace mm, bool fast, GupBenchmarkArgs gup, GupFlags flags, Span<Page> pages)
    {
        long i = 0;
        var nr = (long)gup.NrPagesPerCall;
        for (var addr = gup.Addr; addr < gup.Addr + gup.Size; addr += (ulong)nr * PhysicalMemory.PageSize)
        {
            if (nr != gup.NrPagesPerCall)
            {
                break;
            }

            nr = Math.Min(nr, (long)((gup.Addr + gup.Size - addr) / PhysicalMemory.PageSize));
            nr = fast
                ? Gup.PinUserPagesFast(mm, addr, (int)nr, flags, pages[(int)i..])
                : Gup.PinUserPages(mm, addr, nr, flags, pages[(int)i..]);
            if (nr <= 0)
            {
                break;
            }

            i += nr;
        }

        return i;
    }
}
