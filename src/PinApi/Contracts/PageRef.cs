namespace PinApi.Contracts;

/// <summary>The kind of page reference a GUP call takes: FOLL_GET (<c>get_page</c>) or FOLL_PIN.</summary>
public enum PageRef
{
    /// <summary>A FOLL_GET reference: +1 on the refcount, released by <c>PutPage</c>.</summary>
    Get,

    /// <summary>A FOLL_PIN reference: +GUP_PIN_COUNTING_BIAS (or the compound pincount), released by the unpin family.</summary>
    Pin,
}
