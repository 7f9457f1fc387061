using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using PinApi.Benchmarks.Corpus;

namespace PinApi.Benchmarks.Analyzers;

/// <summary>
/// The analyzer rows of <c>pinapi bench</c>: the PinApi analyzers' cost against the compilation's own cost and
/// against CA2000 on the IDisposable twin, a budget per analyzer type, the growth of the cost from 500 to 2,000
/// files, and recall/precision on the seeded bugs for PinApi, CA2000 and IDisposableAnalyzers.
/// <para>
/// BenchmarkDotNet does not fit here (the figure is Roslyn's per-analyzer telemetry, not a method's wall time), so
/// this is a repeated in-process measurement: each round builds fresh compilations and measures the compilation's
/// own cost (<c>GetDiagnostics()</c> + emit to memory, sequential, Debug) at the largest size, the PinApi analyzers at
/// every size, and CA2000 on the twin at the largest size; each ratio is taken within a round and the table shows the
/// median over rounds (quick mode: 3 rounds, after a warm-up that waits for tier-1 JIT; full: 7). The analyzer figure
/// is Roslyn's telemetry (wall time inside each analyzer's callbacks); the compilation's is the wall time of
/// <c>GetDiagnostics()</c> + emit, measured just before.
/// </para>
/// </summary>
public static class AnalyzerBenchmark
{
    public static readonly int[] Sizes = [500, 1000, 2000];

    /// <summary>Budget per analyzer type, as a fraction of the compilation's own time; unknown (new) analyzers get <see cref="DefaultRuleBudget"/>.</summary>
    public static readonly IReadOnlyDictionary<string, double> RuleBudgets = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["OwnershipFlowAnalyzer"] = 0.06,
        ["FieldPairingAnalyzer"] = 0.015,
        ["BufferSizeAnalyzer"] = 0.01,
        ["ReplacedApiAnalyzer"] = 0.01,
    };

    public const double DefaultRuleBudget = 0.015;
    public const double TotalBudget = 0.10;
    public const double Ca2000Budget = 0.25;
    public const double LinearityBudget = 1.3;
    public const double QualityGoal = 95;

    public static IReadOnlyList<BenchmarkGoal> Run(bool quick, TextWriter log)
    {
        var rounds = quick ? 3 : 7;
        var largest = Sizes.Max();
        var watch = Stopwatch.StartNew();
        var corpus = KernelCorpusGenerator.Generate(largest);
        var compilations = new CorpusCompilations(corpus);
        var seeded = corpus.Methods.Count(m => m.Seeded);
        log.WriteLine($"  corpus: {largest} files, {corpus.PinFiles.Sum(f => f.Text.Count(c => c == '\n')):N0} lines, {corpus.Methods.Count} page-handling methods, " +
                      $"{seeded} seeded ({Describe(corpus.Methods)}), seed {KernelCorpusGenerator.DefaultSeed}; generated and parsed in {watch.Elapsed.TotalSeconds:F1} s");

        var pinapi = AnalyzerSets.PinApi();
        var ca2000 = AnalyzerSets.Ca2000Analyzer(out var ca2000Problem);
        var idisposable = AnalyzerSets.IDisposableAnalyzers(out var idisposableProblem);
        log.WriteLine($"  PinApi analyzers: {string.Join(", ", pinapi.Select(AnalyzerSets.Name))}");
        log.WriteLine(ca2000 is null ? $"  CA2000 unavailable: {ca2000Problem}" : $"  CA2000: {ca2000.GetType().FullName}");
        log.WriteLine(idisposable.IsEmpty ? $"  IDisposableAnalyzers unavailable: {idisposableProblem}" : $"  IDisposableAnalyzers: {idisposable.Length} analyzers");
        var ca2000Set = ca2000 is null ? ImmutableArray<DiagnosticAnalyzer>.Empty : [ca2000];
        var ca2000On = new Dictionary<string, ReportDiagnostic> { [AnalyzerSets.Ca2000] = ReportDiagnostic.Warn };

        // Warm-up: JIT the compiler and every analyzer, the PinApi analyzers once at the largest size (the GC sizes its
        // generations to it), then wait until the runtime has finished re-compiling the hot code at tier 1 (on a loaded
        // machine that takes a while, and a round run at tier 0 costs up to twice as much).
        CorpusCompilations.CompileCost(compilations.Pin(Sizes.Min()));
        AnalyzerRun.Execute(compilations.Pin(largest), pinapi);
        if (ca2000 is not null)
        {
            AnalyzerRun.Execute(compilations.Twin(Sizes.Min(), ca2000On), ca2000Set);
        }

        WaitForTieredJit(TimeSpan.FromSeconds(60));
        log.WriteLine($"  warm-up done ({watch.Elapsed.TotalSeconds:F0} s)");

        // Each round: the compilation's own cost at the largest size, right after it the PinApi analyzers at that size and
        // CA2000 on the twin (so the pairs a ratio is taken from are measured back to back), then the PinApi analyzers at
        // the smaller sizes (the growth rows). Ratios are taken within a round; the table shows their median.
        var compile = new List<Cost>();
        var pinRuns = Sizes.ToDictionary(s => s, _ => new List<AnalyzerRun>());
        var ca2000Runs = new List<AnalyzerRun>();
        for (var round = 1; round <= rounds; round++)
        {
            Collect();
            compile.Add(CorpusCompilations.CompileCost(compilations.Pin(largest)));
            foreach (var size in Sizes.OrderByDescending(s => s))
            {
                Collect();
                pinRuns[size].Add(AnalyzerRun.Execute(compilations.Pin(size), pinapi));
                if (size == largest && ca2000 is not null)
                {
                    Collect();
                    ca2000Runs.Add(AnalyzerRun.Execute(compilations.Twin(largest, ca2000On), ca2000Set));
                }
            }

            var pin = pinRuns[largest][^1];
            log.WriteLine($"  round {round}/{rounds}: compile {largest} files {compile[^1].Wall.TotalMilliseconds:F0} ms ({compile[^1].Cpu.TotalMilliseconds:F0} ms CPU); " +
                          $"PinApi analyzers {string.Join(", ", Sizes.Select(s => $"{s} files {pinRuns[s][^1].Total.TotalMilliseconds:F0} ms"))}" +
                          $" ({100 * pin.Total.TotalMilliseconds / compile[^1].Wall.TotalMilliseconds:F1} % of compile at {largest})" +
                          (ca2000 is null ? string.Empty : $"; CA2000 on the twin {ca2000Runs[^1].Total.TotalMilliseconds:F0} ms") +
                          $" ({watch.Elapsed.TotalSeconds:F0} s)");
        }

        var crashes = pinRuns.Values.SelectMany(r => r).SelectMany(r => r.Crashes).Distinct().ToList();
        foreach (var crash in crashes.Take(5))
        {
            log.WriteLine($"  analyzer exception: {crash}");
        }

        var goals = new List<BenchmarkGoal>();
        var largestRounds = Enumerable.Range(0, rounds).ToList();
        double Share(int round, Func<AnalyzerRun, TimeSpan> time) => time(pinRuns[largest][round]).TotalMilliseconds / compile[round].Wall.TotalMilliseconds;

        goals.Add(new BenchmarkGoal("analyzers", $"all PinApi analyzers / compile (diagnostics+emit), {largest:N0} files", 100 * Median(largestRounds.Select(r => Share(r, run => run.Total))), 100 * TotalBudget, " %"));
        goals.Add(new BenchmarkGoal(
            "analyzers",
            $"PinApi on corpus / CA2000 on IDisposable twin, {largest:N0} files",
            ca2000 is null ? double.NaN : Median(largestRounds.Select(r => pinRuns[largest][r].Total.TotalMilliseconds / ca2000Runs[r].Total.TotalMilliseconds)),
            Ca2000Budget,
            "×"));
        foreach (var analyzer in pinapi)
        {
            var name = AnalyzerSets.Name(analyzer);
            var budget = RuleBudgets.TryGetValue(name, out var known) ? known : DefaultRuleBudget;
            goals.Add(new BenchmarkGoal("rule", $"{name} / compile", 100 * Median(largestRounds.Select(r => Share(r, run => run.Times[analyzer]))), 100 * budget, " %"));
        }

        var perFile = Sizes.ToDictionary(s => s, s => pinRuns[s].Select(run => run.Total.TotalMilliseconds / s).ToList());
        var smallest = Sizes.Min();
        goals.Add(new BenchmarkGoal("analyzers", $"PinApi time per file, {largest:N0} / {smallest} files", Median(largestRounds.Select(r => perFile[largest][r] / perFile[smallest][r])), LinearityBudget, "×"));
        foreach (var size in Sizes)
        {
            goals.Add(new BenchmarkGoal("analyzers", $"PinApi analyzers per file at {size:N0} files", Median(perFile[size]) * 1000, 0, " µs", GoalKind.Info, $"{Median(pinRuns[size].Select(r => r.Total.TotalMilliseconds)) / 1000:0.00} s in all"));
        }

        if (ca2000 is not null)
        {
            goals.Add(new BenchmarkGoal("analyzers", $"CA2000 on the twin / compile of the corpus, {largest:N0} files", 100 * Median(largestRounds.Select(r => ca2000Runs[r].Total.TotalMilliseconds / compile[r].Wall.TotalMilliseconds)), 0, " %", GoalKind.Info, "reference"));
        }

        goals.AddRange(Quality(corpus.Methods, pinRuns[largest][0], ca2000Runs.FirstOrDefault(), compilations, idisposable, idisposableProblem, largest, log));
        if (crashes.Count > 0)
        {
            goals.Add(new BenchmarkGoal("analyzers", "PinApi analyzer exceptions (AD0001) on the corpus", crashes.Count, 0, string.Empty));
        }

        log.WriteLine($"  analyzer benchmarks done in {watch.Elapsed.TotalSeconds:F0} s");
        return goals;
    }

    private static IEnumerable<BenchmarkGoal> Quality(
        IReadOnlyList<MethodTruth> truth,
        AnalyzerRun pinapi,
        AnalyzerRun? ca2000,
        CorpusCompilations compilations,
        ImmutableArray<DiagnosticAnalyzer> idisposable,
        string? idisposableProblem,
        int files,
        TextWriter log)
    {
        // PinApi: every warning or error it reports (PIN0000 is hidden, PIN0204 an info-level suggestion).
        var pin = QualityScore.Score("PinApi", pinapi.Diagnostics, truth, twin: false, d => d.Id.StartsWith("PIN", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning);
        Report(pin, log);
        yield return new BenchmarkGoal("quality", "PinApi recall, all seeded bugs", 100 * pin.Recall, QualityGoal, " %", GoalKind.AtLeast);
        yield return new BenchmarkGoal("quality", "PinApi recall, leaks (PIN0003)", 100 * pin.RecallOf(SeedKind.Leak), QualityGoal, " %", GoalKind.AtLeast);
        yield return new BenchmarkGoal("quality", "PinApi recall, double releases (PIN0004)", 100 * pin.RecallOf(SeedKind.DoubleRelease), QualityGoal, " %", GoalKind.AtLeast);
        yield return new BenchmarkGoal("quality", "PinApi recall, use after release (PIN0005)", 100 * pin.RecallOf(SeedKind.UseAfterRelease), QualityGoal, " %", GoalKind.AtLeast);
        yield return new BenchmarkGoal("quality", "PinApi recall, GET/PIN mismatches (PIN0001/2)", 100 * pin.RecallOf(SeedKind.Mismatch), QualityGoal, " %", GoalKind.AtLeast);
        yield return new BenchmarkGoal("quality", "PinApi precision (flagged methods)", 100 * pin.Precision, QualityGoal, " %", GoalKind.AtLeast);

        if (ca2000 is not null)
        {
            var ca = QualityScore.Score("CA2000", ca2000.Diagnostics, truth, twin: true, d => d.Id == AnalyzerSets.Ca2000);
            Report(ca, log);
            yield return new BenchmarkGoal("quality", "CA2000 recall, leaks (twin)", 100 * ca.RecallOf(SeedKind.Leak), 0, " %", GoalKind.Info, "ref 62 %");
            yield return new BenchmarkGoal("quality", "CA2000 recall, double releases (twin)", 100 * ca.RecallOf(SeedKind.DoubleRelease), 0, " %", GoalKind.Info, "ref 0 %");
            yield return new BenchmarkGoal("quality", "CA2000 precision (twin)", 100 * ca.Precision, 0, " %", GoalKind.Info, "ref 84 %");
        }

        if (idisposable.IsEmpty)
        {
            log.WriteLine($"  IDisposableAnalyzers not measured: {idisposableProblem}");
            yield break;
        }

        // IDisposableAnalyzers: its findings at warning level, without IDISP017 ("prefer using"), a style suggestion.
        Collect();
        var watch = Stopwatch.StartNew();
        var run = AnalyzerRun.Execute(compilations.Twin(files), idisposable);
        log.WriteLine($"  IDisposableAnalyzers on the twin: {run.Total.TotalMilliseconds:F0} ms of analyzer time ({watch.Elapsed.TotalSeconds:F0} s wall)");
        var id = QualityScore.Score("IDisposableAnalyzers", run.Diagnostics, truth, twin: true, d => d.Id.StartsWith("IDISP", StringComparison.Ordinal) && d.Id != "IDISP017" && d.Severity >= DiagnosticSeverity.Warning);
        Report(id, log);
        yield return new BenchmarkGoal("quality", "IDisposableAnalyzers recall, leaks (twin)", 100 * id.RecallOf(SeedKind.Leak), 0, " %", GoalKind.Info, "ref 19 %");
        yield return new BenchmarkGoal("quality", "IDisposableAnalyzers recall, double releases", 100 * id.RecallOf(SeedKind.DoubleRelease), 0, " %", GoalKind.Info, "-");
        yield return new BenchmarkGoal("quality", "IDisposableAnalyzers precision (twin)", 100 * id.Precision, 0, " %", GoalKind.Info, "ref 42 %");
    }

    /// <summary>Logs a score: per kind, per diagnostic ID, and every missed shape and false-positive shape with counts.</summary>
    private static void Report(QualityScore score, TextWriter log)
    {
        log.WriteLine($"  {score.Tool}: recall {score.Found}/{score.Seeded}, precision {score.Flagged - score.FalsePositives}/{score.Flagged} flagged methods; " +
                      string.Join(", ", score.ByKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value.Found}/{k.Value.Seeded}")) +
                      $"; diagnostics {string.Join(", ", score.Ids.Select(i => $"{i.Key}×{i.Value}"))}" +
                      (score.OutsideMethods > 0 ? $"; {score.OutsideMethods} outside method bodies (not scored)" : string.Empty));
        foreach (var missed in score.Missed.GroupBy(m => $"{m.Kind} {m.Shape}/{m.Variant}").OrderByDescending(g => g.Count()).Take(25))
        {
            log.WriteLine($"    missed {missed.Count(),4}  {missed.Key}  e.g. {missed.First().Type}.{missed.First().Method}");
        }

        foreach (var falsePositive in score.FalsePositiveMethods
                     .GroupBy(f => $"{f.Ids} in {(f.Method is null ? "helper/plain method" : $"{f.Method.Shape} ({f.Method.Kind}{(f.Method.Kind == SeedKind.None ? string.Empty : ", not seeded in the twin")})")}")
                     .OrderByDescending(g => g.Count()).Take(25))
        {
            log.WriteLine($"    false+ {falsePositive.Count(),4}  {falsePositive.Key}  e.g. {falsePositive.First().Key}");
        }
    }

    private static string Describe(IReadOnlyList<MethodTruth> methods) =>
        string.Join(", ", methods.Where(m => m.Seeded).GroupBy(m => m.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Waits until no method has been JIT-compiled for 1.5 s (tier-1 re-compilation done), at most <paramref name="limit"/>.</summary>
    private static void WaitForTieredJit(TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        var last = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (var quiet = 0; quiet < 3 && watch.Elapsed < limit;)
        {
            Thread.Sleep(500);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
