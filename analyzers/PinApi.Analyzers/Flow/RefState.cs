namespace PinApi.Analyzers.Flow;

/// <summary>
/// The possible states of one acquisition's references at a program point, as a bit set: a state merged from two
/// paths holds the bits of both, so "on some path" questions are a single bit test.
/// </summary>
internal static class RefState
{
    /// <summary>Nothing is held: before the acquire, or on a path where it returned 0 or an error.</summary>
    public const int None = 1;

    /// <summary>Held; the acquire may have taken fewer pages than requested.</summary>
    public const int Held = 2;

    /// <summary>Held, and on this path the returned count was checked equal to the requested count.</summary>
    public const int HeldFull = 4;

    /// <summary>Some elements released one by one (an element loop in progress).</summary>
    public const int ReleasedElements = 8;

    /// <summary>All references released.</summary>
    public const int Released = 16;

    /// <summary>Ownership handed on (field, caller, [TakesOwnership], unknown code): no longer this method's business.</summary>
    public const int Escaped = 32;

    /// <summary>
    /// Held, but the count local was reassigned on this path (<c>ret = -EFAULT</c>): comparisons on it no longer
    /// describe the acquire, so branches leave this bit alone. Kept apart from <see cref="Held"/> so that a
    /// reassignment on one path does not blind the analysis on the paths merged with it.
    /// </summary>
    public const int HeldStale = 64;

    public const int AnyHeld = Held | HeldFull | HeldStale;

    /// <summary>Every bit under which the references are still this method's to release.</summary>
    public const int Live = AnyHeld | ReleasedElements;

    public const int Reachable = Live | Escaped;
}
