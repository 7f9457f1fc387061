namespace PinApi.Benchmarks.Corpus;

/// <summary>The bug planted in a generated method, if any: what the ground truth of the quality rows is made of.</summary>
public enum SeedKind
{
    /// <summary>Correct code: any diagnostic inside the method is a false positive.</summary>
    None,

    /// <summary>References not released on some path (PIN0003; a missing <c>Dispose()</c> in the twin).</summary>
    Leak,

    /// <summary>References released twice on some path (PIN0004; a second <c>Dispose()</c> in the twin).</summary>
    DoubleRelease,

    /// <summary>Page data used or dirtied after release (PIN0005; a use after <c>Dispose()</c> in the twin).</summary>
    UseAfterRelease,

    /// <summary>A GET reference unpinned or a PIN reference put (PIN0001/PIN0002). No IDisposable equivalent: the twin is correct there.</summary>
    Mismatch,
}
