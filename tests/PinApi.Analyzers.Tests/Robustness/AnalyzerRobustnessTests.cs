using Microsoft.CodeAnalysis.CSharp;
using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PinApi.Analyzers.Tests.Robustness;

/// <summary>
/// Crash fuzzing: every test source and sample, whole and mutated (truncated, tokens deleted, arguments swapped),
/// compiled under every C# version from 7.3 to preview and analyzed by every PinApi analyzer. Any analyzer exception
/// (what the IDE shows as AD0001) fails the test. Whole sources run under the oldest, a middle and the newest version;
/// each mutant runs under one version, taken in turn from all of 7.3…preview, which keeps the run within its time
/// budget on two cores while every version sees every kind of damage.
/// </summary>
public class AnalyzerRobustnessTests
{
    private static readonly LanguageVersion[] Versions =
    {
        LanguageVersion.CSharp7_3, LanguageVersion.CSharp8, LanguageVersion.CSharp9, LanguageVersion.CSharp10,
        LanguageVersion.CSharp11, LanguageVersion.CSharp12, LanguageVersion.CSharp13, LanguageVersion.Preview,
    };

    [Fact]
    public Task TestSourcesNeverCrashTheAnalyzers() => RunAsync(FuzzCorpus.TestSources, truncations: 3, deletions: 3, swaps: 2);

    [Fact]
    public Task SamplesNeverCrashTheAnalyzers() => RunAsync(FuzzCorpus.Samples, truncations: 3, deletions: 3, swaps: 2);

    [Fact]
    public void CorpusIsNotEmpty() => Assert.True(FuzzCorpus.TestSources.Count >= 100, $"only {FuzzCorpus.TestSources.Count} test sources found");

    private static readonly LanguageVersion[] WholeSourceVersions = { LanguageVersion.CSharp7_3, LanguageVersion.CSharp10, LanguageVersion.Preview };

    private static async Task RunAsync(IReadOnlyList<(string Name, string Source)> corpus, int truncations, int deletions, int swaps)
    {
        var cases = new List<(string Name, string Kind, string Text, LanguageVersion Version)>();
        var turn = 0;
        for (var s = 0; s < corpus.Count; s++)
        {
            var (name, source) = corpus[s];
            cases.AddRange(WholeSourceVersions.Select(version => (name, "whole", source, version)));
            foreach (var (kind, text) in Mutator.Mutants(source, seed: s, truncations, deletions, swaps))
            {
                cases.Add((name, kind, text, Versions[turn++ % Versions.Length]));
            }
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(cases, async (item, _) =>
        {
            var exceptions = new List<Exception>();
            await CompilationFactory.AnalyzeAsync(CompilationFactory.Create(item.Text, item.Version), exceptions);
            foreach (var exception in exceptions)
            {
                failures.Add($"{item.Name} [{item.Kind}, {item.Version}]: {exception.InnerException ?? exception}");
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} analyzer exceptions in {cases.Count} runs:\n" + string.Join("\n\n", failures.Take(5)));
    }
}
