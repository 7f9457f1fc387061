namespace PinApi.Benchmarks.Corpus;

/// <summary>
/// The ground truth of one generated method that touches pages: where it is in both corpora, which shape and variant
/// wrote it, and the bug planted in it. <see cref="TwinSeeded"/> is false when the twin rendering carries no bug
/// (a GET/PIN mismatch has no IDisposable counterpart).
/// </summary>
public sealed record MethodTruth(string File, string Type, string Method, string TwinMethod, string Shape, SeedKind Kind, string Variant)
{
    public bool Seeded => Kind != SeedKind.None;

    public bool TwinSeeded => Kind is SeedKind.Leak or SeedKind.DoubleRelease or SeedKind.UseAfterRelease;
}
