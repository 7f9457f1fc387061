using System.Diagnostics;
using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// Records every GUP reference taken while enabled (page, kind, call site), so that a mismatched release names
/// where the reference came from and <see cref="Outstanding"/> lists every live pin for leak reports. Off by
/// default: when off it costs one volatile read per GUP call.
/// </summary>
public sealed class PinTracker
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, List<TrackedReference>> live = [];
    private readonly Dictionary<long, string> lastRelease = [];
    private long sequence;
    private volatile bool enabled;

    /// <summary>Turns recording on or off. References taken while off are not known to it.</summary>
    public bool Enabled
    {
        get => enabled;
        set => enabled = value;
    }

    /// <summary>Every recorded reference not yet released, oldest first.</summary>
    public IReadOnlyList<TrackedReference> Outstanding
    {
        get
        {
            lock (gate)
            {
                return [.. live.Values.SelectMany(list => list).OrderBy(r => r.Sequence)];
            }
        }
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Clear()
    {
        lock (gate)
        {
            live.Clear();
            lastRelease.Clear();
        }
    }

    /// <summary>The first frame outside this library on the current stack: the user code that called GUP.</summary>
    internal static string CaptureCallSite()
    {
        var library = typeof(PinTracker).Assembly;
        var trace = new StackTrace(1, fNeedFileInfo: true);
        foreach (var frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            if (method?.DeclaringType?.Assembly == library)
            {
                continue;
            }

            var name = method is null ? "?" : $"{method.DeclaringType?.FullName}.{method.Name}";
            var file = frame.GetFileName();
            return file is null ? name : $"{name} ({Path.GetFileName(file)}:{frame.GetFileLineNumber()})";
        }

        return "(unknown)";
    }

    internal void RecordAcquire(ReadOnlySpan<Page> pages, PageRef kind, string callSite)
    {
        var thread = Environment.CurrentManagedThreadId;
        lock (gate)
        {
            foreach (var page in pages)
            {
                if (page.IsNull || page.IsZeroPage && kind == PageRef.Pin)
                {
                    continue;
                }

                if (!live.TryGetValue(page.Pfn, out var list))
                {
                    live[page.Pfn] = list = [];
                }

                list.Add(new TrackedReference(page, kind, callSite, thread, ++sequence));
            }
        }
    }

    /// <summary>
    /// Checks that <paramref name="page"/> holds a recorded reference of <paramref name="kind"/> and forgets it.
    /// Throws when the page holds only references of the other kind. Pages with no record at all (taken while the
    /// tracker was off) are left to the refcount checks.
    /// </summary>
    internal void RecordRelease(Page page, PageRef kind, string operation)
    {
        lock (gate)
        {
            if (!live.TryGetValue(page.Pfn, out var list))
            {
                return;
            }

            var index = list.FindLastIndex(r => r.Kind == kind);
            if (index < 0)
            {
                var other = list[^1];
                throw new PinStateException(
                    $"{operation} releases a {Describe(kind)} but the page holds a {Describe(other.Kind)}",
                    page,
                    other.CallSite);
            }

            var released = list[index];
            list.RemoveAt(index);
            if (list.Count == 0)
            {
                live.Remove(page.Pfn);
            }

            lastRelease[page.Pfn] = $"{released.CallSite}, released by {operation} at {CaptureCallSite()}";
        }
    }

    /// <summary>Throws, changing nothing, when the page's recorded references are all of the other kind.</summary>
    internal void CheckRelease(Page page, PageRef kind, string operation)
    {
        lock (gate)
        {
            if (live.TryGetValue(page.Pfn, out var list) && !list.Exists(r => r.Kind == kind))
            {
                var other = list[^1];
                throw new PinStateException(
                    $"{operation} releases a {Describe(kind)} but the page holds a {Describe(other.Kind)}",
                    page,
                    other.CallSite);
            }
        }
    }

    /// <summary>Where the page's last recorded reference was taken and released, for double-release messages.</summary>
    internal string? LastReleaseSite(long pfn)
    {
        if (!enabled)
        {
            return null;
        }

        lock (gate)
        {
            return lastRelease.TryGetValue(pfn, out var site) ? site : null;
        }
    }

    private static string Describe(PageRef kind) => kind == PageRef.Pin ? "FOLL_PIN reference" : "FOLL_GET reference";
}
