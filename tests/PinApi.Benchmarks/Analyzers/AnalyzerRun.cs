using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PinApi.Benchmarks.Analyzers;

/// <summary>
/// One run of a set of analyzers over a fresh compilation through <see cref="CompilationWithAnalyzers"/>, sequential
/// (two shared cores: concurrency would only add noise) and with execution-time telemetry per analyzer. The times
/// are Roslyn's own accounting of the analyzers' callbacks, so the compilation's binding is not in them.
/// (The run as a whole is no figure of the analyzers: the driver binds the compilation as it goes.)
/// </summary>
public sealed record AnalyzerRun(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyDictionary<DiagnosticAnalyzer, TimeSpan> Times, IReadOnlyList<string> Crashes)
{
    public TimeSpan Total => Times.Values.Aggregate(TimeSpan.Zero, (sum, t) => sum + t);

    public static AnalyzerRun Execute(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var crashes = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            (exception, analyzer, _) =>
            {
                lock (crashes)
                {
                    crashes.Add($"{analyzer.GetType().Name}: {exception.GetType().Name}: {exception.Message}");
                }
            },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true,
            reportSuppressedDiagnostics: false);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
        var times = new Dictionary<DiagnosticAnalyzer, TimeSpan>();
        foreach (var analyzer in analyzers)
        {
            times[analyzer] = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime;
        }

        crashes.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        return new AnalyzerRun(diagnostics, times, crashes);
    }
}

/// <summary>Wall and CPU time (the process's) of one measured piece of work; the CPU time goes to the log, to tell a slow machine from slow code.</summary>
public readonly record struct Cost(TimeSpan Wall, TimeSpan Cpu)
{
    public static Meter Start() => new(Stopwatch.StartNew(), ProcessCpu());

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    public readonly record struct Meter(Stopwatch Watch, TimeSpan CpuAtStart)
    {
        public Cost Stop()
        {
            Watch.Stop();
            return new Cost(Watch.Elapsed, ProcessCpu() - CpuAtStart);
        }
    }
}
