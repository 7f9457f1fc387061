using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PinApi.Benchmarks.Analyzers;
using PinApi.Benchmarks.Migration;

namespace PinApi.Benchmarks;

/// <summary>
/// Runs the suites and turns them into goal rows. Every speed figure is a ratio against a baseline measured in the
/// same run, because absolute times on these shared 2-core machines drift by ±50 %.
/// </summary>
public static class BudgetRunner
{
    /// <summary>
    /// The suites, in the order they run: the library's BenchmarkDotNet suites first (their resident-set row must not see
    /// the gigabytes of compilations the analyzer suite allocates), then the analyzers, then the migration.
    /// </summary>
    public static readonly string[] Suites = ["library", "analyzers", "migration"];

    public static IReadOnlyList<BenchmarkGoal> Run(bool quick, TextWriter log) => Run(quick, log, Suites);

    /// <summary>Runs the named <paramref name="suites"/> (see <see cref="Suites"/>) and returns their rows.</summary>
    public static IReadOnlyList<BenchmarkGoal> Run(bool quick, TextWriter log, IReadOnlyCollection<string> suites)
    {
        var goals = new List<BenchmarkGoal>();
        if (suites.Contains("library"))
        {
            goals.AddRange(RunLibrary(quick, log));
        }

        if (suites.Contains("analyzers"))
        {
            log.WriteLine("Running the analyzer benchmarks (kernel-shaped corpus, in process) ...");
            goals.AddRange(AnalyzerBenchmark.Run(quick, log));
        }

        if (suites.Contains("migration"))
        {
            log.WriteLine("Running the migration benchmark (dotnet format on a generated legacy project) ...");
            goals.AddRange(MigrationBenchmark.Run(quick, log));
        }

        return goals;
    }

    private static List<BenchmarkGoal> RunLibrary(bool quick, TextWriter log)
    {
        // Quick mode: fewer iterations than the default job, but more than ShortRun's 3, whose error bars on these
        // shared machines were wider than the effects measured.
        var job = (quick ? Job.Default.WithWarmupCount(3).WithIterationCount(8).WithLaunchCount(1) : Job.Default)
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateMinimumViable().AddJob(job).WithOptions(ConfigOptions.DisableLogFile);
        var goals = new List<BenchmarkGoal>();

        log.WriteLine("Running PinUnpinRegionBenchmarks (1 GiB region) ...");
        var region = BenchmarkRunner.Run<PinUnpinRegionBenchmarks>(config);
        goals.Add(Ratio(region, nameof(PinUnpinRegionBenchmarks.PinFastUnpin), "library", "pin+unpin 1 GiB, Span<Page> / atomic floor", 1.5));
        goals.Add(Ratio(region, nameof(PinUnpinRegionBenchmarks.PinFastUnpinTyped), "library", "pin+unpin 1 GiB, Span<PinnedPage> / atomic floor", 1.5));
        goals.Add(Ratio(region, nameof(PinUnpinRegionBenchmarks.GetFastPut), "library", "GET+PutPage 1 GiB / atomic floor", 1.5));

        log.WriteLine("Running HugePageBenchmarks ...");
        var huge = BenchmarkRunner.Run<HugePageBenchmarks>(config);
        goals.Add(Ratio(huge, nameof(HugePageBenchmarks.HugePage), "library", "pin+unpin 2 MiB page / one 4 KiB page", 4));

        goals.Add(new BenchmarkGoal("library", "frame metadata per 4 KiB page", PhysicalMemory.MetadataBytesPerPage, 16, " B"));
        goals.Add(new BenchmarkGoal("library", "host memory of an untouched 64 GiB machine", UntouchedMachineMiB(64), 64, " MiB"));
        return goals;
    }

    /// <summary>Growth of the resident set when a machine of <paramref name="gib"/> GiB is created and never touched.</summary>
    public static double UntouchedMachineMiB(int gib)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentBytes();
        using var memory = PhysicalMemory.FromBytes((long)gib << 30);
        GC.Collect();
        var after = ResidentBytes();
        GC.KeepAlive(memory);
        return (after - before) / 1024.0 / 1024.0;
    }

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    private static BenchmarkGoal Ratio(Summary summary, string method, string area, string measure, double limit)
    {
        var baseline = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.Baseline);
        var measured = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        var ratio = Mean(measured) / Mean(baseline);
        return new BenchmarkGoal(area, measure, ratio, limit, "×");
    }

    private static double Mean(BenchmarkReport report) =>
        report.ResultStatistics?.Mean ?? throw new InvalidOperationException($"{report.BenchmarkCase.DisplayInfo} produced no measurement.");
}
