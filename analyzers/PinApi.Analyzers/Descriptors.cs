using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers;

/// <summary>
/// Every PinApi rule in one table. The help link is computed from the ID so each descriptor points at its page in
/// analyzers/docs, and the IDs follow the ranges of DESIGN.md (PIN00xx ownership and pairing, PIN01xx dirtying and FOLL_WRITE, PIN02xx FOLL_LONGTERM and the other flags, PIN03xx migrations). The constructor is
/// called with literal IDs, categories and severities so that release tracking (RS2008) can read them.
/// </summary>
public static class Descriptors
{
    /// <summary>Where the per-rule documentation pages live; the file name is the rule ID.</summary>
    public const string HelpLinkBase = "https://github.com/pinapi/pinapi/blob/main/analyzers/docs/";

    private const string Ownership = "PinApi.Ownership";
    private const string Performance = "PinApi.Performance";
    private const string Migration = "PinApi.Migration";
    private const string Dirtying = "PinApi.Dirtying";
    private const string Flags = "PinApi.Flags";

    public static readonly DiagnosticDescriptor PIN0000_MethodTooLarge = new DiagnosticDescriptor(
        "PIN0000",
        "Method too large for the ownership analysis",
        "The ownership analysis skipped '{0}': its control flow graph has {1} blocks, more than the cap of {2}",
        Performance,
        DiagnosticSeverity.Hidden,
        isEnabledByDefault: true,
        description: "PinApi skips the flow analysis of a method whose control flow graph exceeds a size cap rather than stall the IDE; split the method to have it analyzed.",
        helpLinkUri: HelpLink("PIN0000"));

    public static readonly DiagnosticDescriptor PIN0001_PinReleasedAsGet = new DiagnosticDescriptor(
        "PIN0001",
        "FOLL_PIN reference released with a FOLL_GET release",
        "'{0}' releases a FOLL_GET reference, but the pages in '{1}' were pinned (FOLL_PIN) by '{2}'; use '{3}'",
        Ownership,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Pages taken with a pin_user_pages*() call carry GUP_PIN_COUNTING_BIAS references and must be released with the unpin family; put_page() leaves the pin count wrong forever.",
        helpLinkUri: HelpLink("PIN0001"));

    public static readonly DiagnosticDescriptor PIN0002_GetReleasedAsPin = new DiagnosticDescriptor(
        "PIN0002",
        "FOLL_GET reference released with an unpin",
        "'{0}' unpins a FOLL_PIN reference, but the pages in '{1}' were taken with FOLL_GET by '{2}'; use '{3}' or convert the acquire to its FOLL_PIN twin",
        Ownership,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Pages taken with a get_user_pages*() call hold one plain reference each; unpinning them subtracts the pin bias from a refcount that never received it.",
        helpLinkUri: HelpLink("PIN0002"));

    public static readonly DiagnosticDescriptor PIN0003_NotReleased = new DiagnosticDescriptor(
        "PIN0003",
        "Page references not released on some path",
        "The FOLL_{0} references that '{1}' takes into '{2}' are neither released nor handed on along the path {3}",
        Ownership,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Every path out of a method must release the references an acquire took (the pinned prefix on error paths), or hand them on to a field, a caller or a [TakesOwnership] parameter. The additional locations show the branch taken and the exit reached.",
        helpLinkUri: HelpLink("PIN0003"));

    public static readonly DiagnosticDescriptor PIN0004_ReleasedTwice = new DiagnosticDescriptor(
        "PIN0004",
        "Page references released twice on some path",
        "'{0}' releases the pages in '{1}' taken by '{2}', which are already released on the path through {3}",
        Ownership,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Releasing a page reference twice drops a reference someone else owns: the page can be freed under a device or another process. The additional locations show the earlier release and the acquire.",
        helpLinkUri: HelpLink("PIN0004"));

    public static readonly DiagnosticDescriptor PIN0005_UsedAfterRelease = new DiagnosticDescriptor(
        "PIN0005",
        "Page used after its reference was released",
        "'{0}' uses the pages in '{1}' taken by '{2}' after they were released on the path through {3}",
        Ownership,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Once its reference is dropped a page may be freed, migrated or reused; reading, writing, dirtying or mapping it afterwards races with the memory manager. Dirty before release, never after.",
        helpLinkUri: HelpLink("PIN0005"));

    public static readonly DiagnosticDescriptor PIN0006_ReleasesRequestedCount = new DiagnosticDescriptor(
        "PIN0006",
        "Releasing the requested count where the acquire may have taken fewer",
        "'{0}' releases '{1}' pages, the count requested from '{2}', but the acquire may have taken fewer: {3}",
        Ownership,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A GUP call returns how many pages it took, which can be fewer than asked (or a negative errno). Only pages[0..ret) hold references; release the returned count.",
        helpLinkUri: HelpLink("PIN0006"));

    public static readonly DiagnosticDescriptor PIN0007_BufferTooShort = new DiagnosticDescriptor(
        "PIN0007",
        "pages buffer shorter than nrPages",
        "'{0}' asks for {1} pages but its pages buffer '{2}' holds only {3}",
        Ownership,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The pages array must hold at least nr_pages entries; a shorter buffer makes the call fail (or, in the kernel, overrun).",
        helpLinkUri: HelpLink("PIN0007"));

    public static readonly DiagnosticDescriptor PIN0101_WritePinNotDirtied = new DiagnosticDescriptor(
        "PIN0101",
        "FOLL_WRITE pin released without dirtying the pages",
        "'{0}' releases the pages in '{1}', pinned for writing by '{2}', without dirtying them{3}; dirty them before the release",
        Dirtying,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A page written through a pin (FOLL_WRITE, or by a device) must be marked dirty before its reference is dropped, or writeback never writes the new data back: UnpinUserPagesDirtyLock(pages, true), or SetPageDirtyLock on each page before its release. A makeDirty argument that is a variable is trusted.",
        helpLinkUri: HelpLink("PIN0101"));

    public static readonly DiagnosticDescriptor PIN0102_DirtyWithoutPageLock = new DiagnosticDescriptor(
        "PIN0102",
        "SetPageDirty on a GUP page without the page lock",
        "'{0}' dirties a page of '{1}' (taken by '{2}') without holding its page lock; use '{3}'",
        Dirtying,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A GUP holder has no reference on the inode the page hangs off, so the mapping can be torn down concurrently; set_page_dirty_lock() takes the page lock that stabilises page->mapping. Raw SetPageDirty is safe only between LockPage and UnlockPage.",
        helpLinkUri: HelpLink("PIN0102"));

    public static readonly DiagnosticDescriptor PIN0103_DirtiedWithoutWrite = new DiagnosticDescriptor(
        "PIN0103",
        "Pages dirtied but taken without FOLL_WRITE",
        "'{0}' dirties the pages in '{1}', but '{2}' took them without GupFlags.Write",
        Dirtying,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "make_dirty implies FOLL_WRITE: pages that are dirtied on release were written, so the acquire must have asked for writable PTEs (breaking COW); without FOLL_WRITE the write lands in a page the process may share.",
        helpLinkUri: HelpLink("PIN0103"));

    public static readonly DiagnosticDescriptor PIN0104_WrittenWithoutWrite = new DiagnosticDescriptor(
        "PIN0104",
        "Page data written through a reference taken without FOLL_WRITE",
        "{0} writes into the pages in '{1}', but '{2}' took them without GupFlags.Write",
        Dirtying,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "If gup_flags & FOLL_WRITE == 0, the page must not be written to: a read-only GUP of a COW page returns the shared page, and a write through it corrupts every process that maps it.",
        helpLinkUri: HelpLink("PIN0104"));

    public static readonly DiagnosticDescriptor PIN0201_LongtermWithGet = new DiagnosticDescriptor(
        "PIN0201",
        "FOLL_LONGTERM with a GET-family call",
        "'{0}' passes GupFlags.Longterm, which only the pin family accepts; use '{1}'",
        Flags,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Mainline is_valid_gup_args() refuses FOLL_LONGTERM without FOLL_PIN (-EINVAL): a long-term user must pin, so that writeback and migration can see the pages are in use. The fix converts the acquire to its Pin* twin and its releases to the unpin family.",
        helpLinkUri: HelpLink("PIN0201"));

    public static readonly DiagnosticDescriptor PIN0202_LongtermRemoteWithLocked = new DiagnosticDescriptor(
        "PIN0202",
        "FOLL_LONGTERM with a remote call that passes locked",
        "'{0}' passes GupFlags.Longterm together with 'locked'; call the overload without 'locked'",
        Flags,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "get/pin_user_pages_remote() accept FOLL_LONGTERM only when locked is NULL (seed patch \"mm: fix get_user_pages_remote()'s handling of FOLL_LONGTERM\"): the long-term checks need the VMAs, which is incompatible with dropping the mmap lock.",
        helpLinkUri: HelpLink("PIN0202"));

    public static readonly DiagnosticDescriptor PIN0203_InternalFlag = new DiagnosticDescriptor(
        "PIN0203",
        "Internal GUP flag passed by a caller",
        "'{0}' passes the internal flag{1} {2}, which only the entry points set; remove {3}",
        Flags,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "FOLL_GET, FOLL_PIN, FOLL_TOUCH, FOLL_REMOTE and the other internal flags are set by the entry point chosen; is_valid_gup_args() refuses a caller that passes one (WARN + -EINVAL). Pick the entry point instead.",
        helpLinkUri: HelpLink("PIN0203"));

    public static readonly DiagnosticDescriptor PIN0204_LongtermNotKept = new DiagnosticDescriptor(
        "PIN0204",
        "FOLL_LONGTERM pin released before the method returns",
        "'{0}' pins with GupFlags.Longterm, but every path releases the pages in '{1}' before the method returns; the flag only costs a migration",
        Flags,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        description: "FOLL_LONGTERM is for pins held indefinitely (registered buffers, DMA maps). A pin released on every path of the method that took it is short-term: the flag makes GUP migrate ZONE_MOVABLE and CMA pages first, and refuses file mappings, for nothing.",
        helpLinkUri: HelpLink("PIN0204"));

    public static readonly DiagnosticDescriptor PIN0205_GetNeedsPin = new DiagnosticDescriptor(
        "PIN0205",
        "FOLL_GET references used where a pin is required",
        "{0} {1} the pages in '{2}', taken with FOLL_GET by '{3}'; convert the acquire to '{4}'",
        Ownership,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Pages whose data is written by a device (DMA) or through kmap must be pinned (FOLL_PIN, Case 5 of pin_user_pages.rst): only a pin tells writeback and migration that someone writes behind the page tables' back. The fix converts the acquire to its Pin* twin and its releases to the unpin family.",
        helpLinkUri: HelpLink("PIN0205"));

    public static readonly DiagnosticDescriptor PIN0206_KeptWithoutLongterm = new DiagnosticDescriptor(
        "PIN0206",
        "Pin kept beyond the call without FOLL_LONGTERM",
        "'{0}' pins the pages in '{1}' without GupFlags.Longterm, but {2} keeps them beyond the call; add GupFlags.Longterm",
        Flags,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A pin that outlives the call (stored in a field, registered, handed to a [TakesOwnership] parameter) is long-term and must say so, so that GUP migrates it out of ZONE_MOVABLE/CMA and refuses fs-DAX and writeback-tracked files (the vfio fix of the seed series).",
        helpLinkUri: HelpLink("PIN0206"));

    public static readonly DiagnosticDescriptor PIN0207_FlagRejectedByFast = new DiagnosticDescriptor(
        "PIN0207",
        "Flag the gup-fast variants do not accept",
        "'{0}' is a gup-fast call, which refuses {1} (-EINVAL); use the slow variant",
        Flags,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "gup_fast_fallback() accepts only FOLL_WRITE, FOLL_LONGTERM, FOLL_FORCE, FOLL_NOFAULT, FOLL_PCI_P2PDMA and FOLL_HONOR_NUMA_FAULT; any other flag is a WARN and -EINVAL.",
        helpLinkUri: HelpLink("PIN0207"));

    public static readonly DiagnosticDescriptor PIN0301_ReplacedApi = new DiagnosticDescriptor(
        "PIN0301",
        "API renamed by the seed series",
        "'{0}' was renamed to '{1}'; call '{1}'",
        Migration,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The FOLL_PIN series ends with the tree-wide rename put_user_page*() → unpin_user_page*(), so that pin_user_pages*() calls match unpin_user_pages*() calls. A method marked [ReplacedBy] names its replacement; the fix renames every use, one site or a whole solution.",
        helpLinkUri: HelpLink("PIN0301"));

    /// <summary>The help link of a rule: its page in analyzers/docs, named after the ID.</summary>
    private static string HelpLink(string id) => HelpLinkBase + id + ".md";
}
