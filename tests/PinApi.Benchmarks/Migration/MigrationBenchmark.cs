using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PinApi.Analyzers;
using PinApi.Benchmarks.Analyzers;
using PinApi.Benchmarks.Corpus;

namespace PinApi.Benchmarks.Migration;

/// <summary>
/// The migration rows of <c>pinapi bench</c>: <c>dotnet format analyzers</c> with PinApi's PIN0301 fix over a generated
/// 500-file legacy project, against the same command with the SDK's own CA1507 fix ("use nameof in place of a string
/// literal": a one-token rewrite per site, like the rename) over the same files, which carry as many CA1507 sites as
/// PIN0301 sites (see <see cref="LegacyCorpusGenerator"/>). The project lives in a temporary folder outside the
/// repository and takes PinApi.dll, PinApi.Analyzers.dll and PinApi.CodeFixes.dll from beside the benchmarks, so
/// nothing of the repository is built or touched while timing. Each run starts from the generated sources; after it
/// the rewritten files are compiled in process to count what is left (one pass must fix every site) and to check
/// that the code still compiles.
/// </summary>
public static class MigrationBenchmark
{
    public const int Files = 500;
    public const double RatioBudget = 1.2;
    public const string PinRule = "PIN0301";
    public const string BuiltInRule = "CA1507";

    public static IReadOnlyList<BenchmarkGoal> Run(bool quick, TextWriter log)
    {
        var runs = quick ? 1 : 3;
        var watch = Stopwatch.StartNew();
        var goals = new List<BenchmarkGoal>();
        var bin = AppContext.BaseDirectory;
        var missing = new[] { "PinApi.dll", "PinApi.Analyzers.dll", "PinApi.CodeFixes.dll" }.Where(f => !File.Exists(Path.Combine(bin, f))).ToList();
        var ca1507 = AnalyzerSets.NetAnalyzer(BuiltInRule, out var problem);
        if (missing.Count > 0 || ca1507 is null)
        {
            var reason = missing.Count > 0 ? $"missing beside the benchmarks: {string.Join(", ", missing)}" : problem;
            log.WriteLine($"  migration benchmark not run: {reason}");
            goals.Add(new BenchmarkGoal("migration", $"dotnet format {PinRule} / {BuiltInRule}, {Files} files", double.NaN, RatioBudget, "×"));
            return goals;
        }

        var sources = LegacyCorpusGenerator.Generate(Files);
        var before = CountSites(sources, ca1507);
        log.WriteLine($"  legacy project: {Files} files, {before.Pin} {PinRule} sites, {before.BuiltIn} {BuiltInRule} sites, {before.Errors} compile errors");
        if (before.Errors > 0)
        {
            throw new InvalidOperationException("the generated legacy project does not compile");
        }

        var directory = Path.Combine(Path.GetTempPath(), $"pinapi-bench-migration-{Environment.ProcessId}");
        try
        {
            var project = WriteProject(directory, bin);
            WriteSources(directory, sources);
            var restore = Dotnet(directory, "restore", project);
            if (restore.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet restore of the legacy project failed:\n{Tail(restore.Output)}");
            }

            var pinTimes = new List<double>();
            var builtInTimes = new List<double>();
            var pinLeft = new List<int>();
            var builtInLeft = new List<int>();
            var pinFix = new List<double>();
            var builtInFix = new List<double>();
            var errorsAfter = 0;
            for (var run = 0; run < runs; run++)
            {
                // Alternate the order, so a drift of the shared machine does not always favour the same side.
                foreach (var rule in run % 2 == 0 ? new[] { PinRule, BuiltInRule } : [BuiltInRule, PinRule])
                {
                    WriteSources(directory, sources);
                    var format = Dotnet(directory, "format", "analyzers", project, "--diagnostics", rule, "--severity", "info", "--no-restore", "--verbosity", "diagnostic");
                    if (format.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"dotnet format --diagnostics {rule} failed (exit {format.ExitCode}):\n{Tail(format.Output)}");
                    }

                    var after = CountSites(ReadSources(directory, sources), ca1507);
                    errorsAfter += after.Errors;
                    (rule == PinRule ? pinTimes : builtInTimes).Add(format.Elapsed.TotalSeconds);
                    (rule == PinRule ? pinLeft : builtInLeft).Add(rule == PinRule ? after.Pin : after.BuiltIn);
                    var phases = Phases(format.Output);
                    (rule == PinRule ? pinFix : builtInFix).Add(phases[^1]);
                    log.WriteLine($"  dotnet format {rule}: {format.Elapsed.TotalSeconds:F1} s, {(rule == PinRule ? after.Pin : after.BuiltIn)} sites left, " +
                                  $"{after.Errors} compile errors after{Describe(phases)}");
                }
            }

            var ratios = pinTimes.Zip(builtInTimes, (p, b) => p / b);
            goals.Add(new BenchmarkGoal("migration", $"dotnet format {PinRule} / {BuiltInRule} (nameof fix), {Files} files", AnalyzerBenchmark.Median(ratios), RatioBudget, "×"));
            goals.Add(new BenchmarkGoal("migration", $"{PinRule} sites left after one dotnet format pass (of {before.Pin})", pinLeft.Max(), 0, string.Empty));
            goals.Add(new BenchmarkGoal("migration", "compile errors in the migrated files", errorsAfter, 0, string.Empty));
            goals.Add(new BenchmarkGoal("migration", $"{BuiltInRule} sites left after one pass (of {before.BuiltIn})", builtInLeft.Max(), 0, string.Empty, GoalKind.Info, "reference"));
            goals.Add(new BenchmarkGoal("migration", $"dotnet format {PinRule} wall time", AnalyzerBenchmark.Median(pinTimes), 0, " s", GoalKind.Info, $"{BuiltInRule}: {AnalyzerBenchmark.Median(builtInTimes):0.0} s"));

            // Whether PinApi's batch FixAll is the bottleneck: its fix phase against the built-in fix's, same sites, same run.
            goals.Add(new BenchmarkGoal("migration", $"fix phase (FixAll) {PinRule} / {BuiltInRule}", AnalyzerBenchmark.Median(pinFix.Zip(builtInFix, (p, b) => p / b)), 0, "×", GoalKind.Info, $"{AnalyzerBenchmark.Median(pinFix):0.0} s of {AnalyzerBenchmark.Median(pinTimes):0.0} s"));
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A build server may still hold a file for a moment; the folder is in the temp directory.
            }
        }

        log.WriteLine($"  migration benchmark done in {watch.Elapsed.TotalSeconds:F0} s");
        return goals;
    }

    /// <summary>The project: PinApi.dll as a reference, PinApi's analyzers and fixes as analyzers, the SDK's analyzers on.</summary>
    private static string WriteProject(string directory, string bin)
    {
        Directory.CreateDirectory(directory);

        // Stop MSBuild from importing anything above the temp folder, and pin CA1507 to a warning as PIN0301 is.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, ".editorconfig"), $"root = true\n\n[*.cs]\ndotnet_diagnostic.{BuiltInRule}.severity = warning\ndotnet_diagnostic.{PinRule}.severity = warning\n");
        var project = Path.Combine(directory, "Legacy.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Library</OutputType>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <LangVersion>latest</LangVersion>
                <EnableNETAnalyzers>true</EnableNETAnalyzers>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="PinApi" HintPath="{Path.Combine(bin, "PinApi.dll")}" />
                <Analyzer Include="{Path.Combine(bin, "PinApi.Analyzers.dll")}" />
                <Analyzer Include="{Path.Combine(bin, "PinApi.CodeFixes.dll")}" />
              </ItemGroup>
            </Project>
            """);
        return project;
    }

    private static void WriteSources(string directory, IReadOnlyList<CorpusFile> sources)
    {
        foreach (var file in sources)
        {
            File.WriteAllText(Path.Combine(directory, file.Path), file.Text);
        }
    }

    private static List<CorpusFile> ReadSources(string directory, IReadOnlyList<CorpusFile> sources) =>
        sources.Select(f => new CorpusFile(f.Path, File.ReadAllText(Path.Combine(directory, f.Path)))).ToList();

    /// <summary>Counts PIN0301 and CA1507 sites (and compile errors) in process: the same analyzers dotnet format runs.</summary>
    private static (int Pin, int BuiltIn, int Errors) CountSites(IReadOnlyList<CorpusFile> sources, DiagnosticAnalyzer ca1507)
    {
        var trees = sources.Select(f => CSharpSyntaxTree.ParseText(f.Text, (CSharpParseOptions)CorpusCompilations.ParseOptions, path: f.Path));
        var compilation = CorpusCompilations.Create("Legacy", trees, CorpusCompilations.PlatformReferences, new Dictionary<string, ReportDiagnostic> { [BuiltInRule] = ReportDiagnostic.Warn });
        var errors = compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var run = AnalyzerRun.Execute(compilation, [new ReplacedApiAnalyzer(), ca1507]);
        return (run.Diagnostics.Count(d => d.Id == PinRule), run.Diagnostics.Count(d => d.Id == BuiltInRule), errors);
    }

    private static readonly string[] PhaseNames = ["load", "files", "diagnostics", "fix"];

    /// <summary>
    /// dotnet format's own phase timings in seconds from its diagnostic log, in the order it prints them: loading the
    /// workspace, finding the files, computing the diagnostics, applying the fixes (the FixAll). Missing phases are NaN.
    /// </summary>
    private static double[] Phases(string output)
    {
        var complete = output.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("Complete in ", StringComparison.Ordinal) && l.EndsWith("ms.", StringComparison.Ordinal))
            .Select(l => double.Parse(l["Complete in ".Length..^"ms.".Length], System.Globalization.CultureInfo.InvariantCulture) / 1000)
            .ToList();
        return PhaseNames.Select((_, i) => i < complete.Count ? complete[i] : double.NaN).ToArray();
    }

    private static string Describe(double[] phases) =>
        " [" + string.Join(", ", PhaseNames.Select((name, i) => $"{name} {phases[i]:F1} s")) + "]";

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(30));

    private sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    private static Result Dotnet(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        watch.Stop();
        return new Result(process.ExitCode, stdout + stderr.Result, watch.Elapsed);
    }
}
