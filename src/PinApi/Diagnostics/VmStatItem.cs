namespace PinApi;

/// <summary>The counters of <see cref="VmStat"/>. Those the kernel has carry its <c>/proc/vmstat</c> name.</summary>
public enum VmStatItem
{
    /// <summary>nr_foll_pin_acquired: logical pins taken (one per page, huge subpages included; not the zero page).</summary>
    NrFollPinAcquired,
    /// <summary>nr_foll_pin_released: logical pins released.</summary>
    NrFollPinReleased,
    /// <summary>pgfault: page faults handled.</summary>
    PgFault,
    /// <summary>pgmajfault: faults that read a page from disk.</summary>
    PgMajFault,
    /// <summary>thp_fault_alloc: transparent huge pages allocated at fault.</summary>
    ThpFaultAlloc,
    /// <summary>pgmigrate_success: pages migrated (long-term pins out of Movable and CMA).</summary>
    PgMigrateSuccess,
    /// <summary>pgmigrate_fail: migrations that failed (a reference could not be frozen, or no target page).</summary>
    PgMigrateFail,
    /// <summary>nr_dirtied: pages that became dirty.</summary>
    NrDirtied,
    /// <summary>nr_written: pages written back to their file.</summary>
    NrWritten,
    /// <summary>Simulation: dirty pages writeback left alone because they were maybe-DMA-pinned (PinAware).</summary>
    WritebackSkippedPinned,
    /// <summary>
    /// Simulation: dirty pages whose data the filesystem could not write because they were dirtied behind its back
    /// (no write-notify since their last writeback; in ext4 this was a BUG, KERNEL.md §1).
    /// </summary>
    WritebackLost,
}
