namespace PinApi;

/// <summary>How writeback treats pages that may be pinned for DMA.</summary>
public enum WritebackPolicy
{
    /// <summary>The kernel before FOLL_PIN: every dirty page is written, cleaned and write-protected, pinned or not.</summary>
    Legacy,
    /// <summary>
    /// Uses <c>page_maybe_dma_pinned()</c>: a dirty page that may be pinned is left dirty and writable (skipped),
    /// so the data a device writes into it is written once it is unpinned and dirtied (KERNEL.md §1).
    /// </summary>
    PinAware,
}
