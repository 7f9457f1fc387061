namespace PinApi;

/// <summary>madvise() advice this simulation honours.</summary>
public enum Advice
{
    /// <summary>MADV_HUGEPAGE: back aligned 2 MiB ranges with transparent huge pages on fault.</summary>
    HugePage,
    /// <summary>MADV_NOHUGEPAGE: small pages only.</summary>
    NoHugePage,
    /// <summary>MADV_DONTNEED: drop the range's pages; the next touch faults afresh.</summary>
    DontNeed,
}
