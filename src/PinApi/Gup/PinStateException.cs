namespace PinApi;

/// <summary>
/// A release that does not match what the page holds: unpinning a page that carries no pin, putting a reference
/// the page does not have, or a refcount that would go below zero. The counters are left as they were before the
/// call. With <see cref="PinTracker"/> enabled the message also names the call site that took the reference.
/// </summary>
public sealed class PinStateException : InvalidOperationException
{
    public PinStateException(string message, Page page, string? acquiredAt = null)
        : base(acquiredAt is null ? $"{message} ({page})" : $"{message} ({page}; reference taken at {acquiredAt})")
    {
        Page = page;
        AcquiredAt = acquiredAt;
    }

    /// <summary>The page the release was applied to.</summary>
    public Page Page { get; }

    /// <summary>Where the reference was taken, when <see cref="PinTracker"/> knew; otherwise null.</summary>
    public string? AcquiredAt { get; }
}
