namespace PinApi.Benchmarks.Corpus;

/// <summary>
/// Generates the kernel-shaped corpus of the analyzer benchmarks and its IDisposable twin. Every file is a driver
/// class with one to three methods that take page references, in eleven shapes drawn from the seed series' call sites
/// (single-page pins, partial-pin prefixes released with <c>for (i = 0; i &lt; ret; i++)</c>, goto unwind ladders,
/// chunked pin loops, try/finally and catch-rethrow, register/unregister pairs through fields, a preallocated field
/// buffer, hand-offs by return, out and <c>[TakesOwnership]</c>, the GET family, two buffers, conditional acquires),
/// each randomised (API, flags, release style, braces, names, guards, helpers, wrappers with contracts), plus plain
/// helper methods. A fixed fraction of the methods gets one planted bug; <see cref="MethodTruth"/> records it.
/// The twin writes the same methods with <c>new Resource(...)</c> for the acquire and <c>Dispose()</c> for every
/// release (a failed acquire still owns its <c>Resource</c>, so the twin disposes it where the PinApi code has
/// nothing to release). Deterministic for a given seed.
/// </summary>
public static class KernelCorpusGenerator
{
    /// <summary>The seed of the benchmark corpus: the same corpus on every run and machine.</summary>
    public const int DefaultSeed = 20191120;

    /// <summary>Fraction of the page-touching methods that carry a planted bug.</summary>
    public const double SeededFraction = 0.3;

    /// <summary>How the planted bugs are split among the kinds (leak, double release, use after release, mismatch).</summary>
    internal static readonly (SeedKind Kind, int Weight)[] KindWeights =
    [
        (SeedKind.Leak, 45),
        (SeedKind.DoubleRelease, 30),
        (SeedKind.UseAfterRelease, 12),
        (SeedKind.Mismatch, 13),
    ];

    public const string TwinNamespace = "KernelTwin";

    /// <summary>
    /// The twin's library: one disposable per acquire. Compiled into its own assembly and referenced, as PinApi.dll is
    /// referenced by the PinApi corpus.
    /// </summary>
    public const string TwinLibrarySource = """
        using System;
        using PinApi;

        namespace KernelTwin;

        /// <summary>The references one acquire took, as an IDisposable: Dispose() is the release.</summary>
        public sealed class Resource : IDisposable
        {
            private readonly byte[] data;
            private bool disposed;

            public Resource(AddressSpace mm, ulong start, long nrPages, GupFlags flags)
            {
                Count = mm is null || nrPages <= 0 ? -(int)Errno.EINVAL : (int)Math.Min(nrPages, 512);
                data = new byte[Math.Max(Count, 0)];
                Flags = flags;
                Start = start;
            }

            public int Count { get; }

            public GupFlags Flags { get; }

            public ulong Start { get; }

            public bool IsDisposed => disposed;

            public byte Read(long index) => data[index];

            public void Write(long index, byte value) => data[index] = value;

            public void MarkDirty()
            {
            }

            public void DeviceWrite(DmaDevice device, long offset, ReadOnlySpan<byte> bytes) => bytes.CopyTo(data.AsSpan((int)offset));

            public void Dispose() => disposed = true;
        }
        """;

    public static KernelCorpus Generate(int files, int seed = DefaultSeed)
    {
        var rng = new Random(seed);
        var pin = new List<CorpusFile>(files);
        var twin = new List<CorpusFile>(files);
        var truth = new List<MethodTruth>();
        for (var i = 0; i < files; i++)
        {
            var builder = new KernelFileBuilder(new Random(rng.Next()), i);
            builder.Build();
            pin.Add(new CorpusFile(builder.Path, builder.PinText));
            twin.Add(new CorpusFile(builder.Path, builder.TwinText));
            truth.AddRange(builder.Truth);
        }

        return new KernelCorpus(pin, twin, TwinLibrarySource, truth);
    }
}
