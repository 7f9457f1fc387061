namespace PinApi.Samples.GupBenchmark;

/// <summary>
/// The gup_benchmark ioctls of the era this port follows (~v5.9–v5.10, after FOLL_LONGTERM moved to the pin family,
/// before the gup_test rename): <c>_IOWR('g', n, struct gup_benchmark)</c>.
/// </summary>
public enum BenchmarkCommand
{
    /// <summary>GUP_FAST_BENCHMARK: get_user_pages_fast().</summary>
    GupFast = 1,

    /// <summary>GUP_BENCHMARK: get_user_pages() under mmap_read_lock.</summary>
    Gup = 2,

    /// <summary>PIN_FAST_BENCHMARK: pin_user_pages_fast().</summary>
    PinFast = 3,

    /// <summary>PIN_BENCHMARK: pin_user_pages() under mmap_read_lock.</summary>
    Pin = 4,

    /// <summary>PIN_LONGTERM_BENCHMARK: pin_user_pages(…, FOLL_LONGTERM) under mmap_read_lock.</summary>
    PinLongterm = 5,
}
