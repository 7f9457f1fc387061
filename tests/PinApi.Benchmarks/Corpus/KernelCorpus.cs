namespace PinApi.Benchmarks.Corpus;

/// <summary>One generated source file: its path inside the corpus and its text.</summary>
public sealed record CorpusFile(string Path, string Text);

/// <summary>
/// A generated kernel-shaped corpus: the PinApi sources, their IDisposable twins (same file names, same methods, same
/// control flow; page references become a <c>Resource</c>), the twin's small library, and the truth of every method.
/// </summary>
public sealed record KernelCorpus(
    IReadOnlyList<CorpusFile> PinFiles,
    IReadOnlyList<CorpusFile> TwinFiles,
    string TwinLibrarySource,
    IReadOnlyList<MethodTruth> Methods)
{
    /// <summary>The first <paramref name="files"/> files of both corpora and the truth of their methods.</summary>
    public KernelCorpus Take(int files)
    {
        var pin = PinFiles.Take(files).ToList();
        var names = pin.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        return new KernelCorpus(pin, TwinFiles.Take(files).ToList(), TwinLibrarySource, Methods.Where(m => names.Contains(m.File)).ToList());
    }
}
