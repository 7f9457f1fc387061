namespace PinApi.Samples.WritebackRace;

/// <summary>How the driver takes its references on the buffer the device writes into.</summary>
public enum ReferenceKind
{
    /// <summary>get_user_pages() + set_page_dirty_lock() + put_page(): the careful driver of the pre-FOLL_PIN era.</summary>
    Get,

    /// <summary>pin_user_pages() + unpin_user_pages_dirty_lock(…, true): the driver after the series.</summary>
    Pin,
}
