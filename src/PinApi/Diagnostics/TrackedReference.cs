using PinApi.Contracts;

namespace PinApi;

/// <summary>A GUP reference recorded by <see cref="PinTracker"/>: which page, which kind, taken where and by whom.</summary>
public sealed record TrackedReference(Page Page, PageRef Kind, string CallSite, int ThreadId, long Sequence)
{
    public override string ToString() => $"{Kind} reference on {Page} taken at {CallSite} (thread {ThreadId})";
}
