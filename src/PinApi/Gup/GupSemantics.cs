namespace PinApi;

/// <summary>Which kernel's GUP rules a machine follows where the eras differ (KERNEL.md §4).</summary>
public enum GupSemantics
{
    /// <summary>Mainline (~v6.13): FOLL_LONGTERM only with FOLL_PIN; ZONE_MOVABLE and CMA pages migrate before a long-term pin.</summary>
    Mainline,

    /// <summary>
    /// The seed era (v5.6), so that pre-series code runs as it did: FOLL_LONGTERM is also accepted by
    /// <c>get_user_pages</c>, <c>get_user_pages_fast</c> and <c>get_user_pages_remote</c> without <c>locked</c> (still
    /// refused by the <c>*_unlocked</c> and <c>locked</c> forms and by fs-DAX), only CMA pages are migrated, and a
    /// failed migration falls back to pinning in place.
    /// </summary>
    SeedEra,
}
