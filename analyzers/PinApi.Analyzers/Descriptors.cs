using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers;

/// <summary>
/// Every PinApi rule in one table. The help link is computed from the ID so each descriptor points at its page in
/// analyzers/docs, and the IDs follow the ranges of DESIGN.md (PIN00xx ownership and pairing). The constructor is
/// called with literal IDs, categories and severities so that release tracking (RS2008) can read them.
/// </summary>
public static class Descriptors
{
    /// <summary>Where the per-rule documentation pages live; the file name is the rule ID.</summary>
    public const string HelpLinkBase = "https://github.com/pinapi/pinapi/blob/main/analyzers/docs/";

    private const string Ownership = "PinApi.Ownership";
    private const string Performance = "PinApi.Performance";
    private const string Migration = "PinApi.Migration";

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
