using System.Diagnostics;

namespace PinApi.Tool;

/// <summary>
/// <c>pinapi check &lt;project|solution|folder&gt; [--sarif out.sarif]</c>: builds the target with the PinApi analyzers as
/// its projects configure them, reads what the compiler logged (SARIF 2.1, so diagnostics a project keeps from failing
/// its build with WarningsNotAsErrors or demotes in .editorconfig are still seen), prints one row per PinApi rule and
/// every site, and with <c>--sarif</c> writes one SARIF 2.1.0 log of the PinApi results for code-scanning viewers.
/// Exit code 0: no PinApi error; 1: PinApi errors, or the build failed; 2: bad arguments or nothing analyzed.
/// </summary>
internal static class CheckCommand
{
    public const string Usage = "usage: pinapi check <project|solution|folder> [--sarif out.sarif]";

    private const string RulePrefix = "PIN";

    private const string Phase = "check";

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? path = null;
        string? sarif = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sarif" when i + 1 < args.Length:
                    sarif = args[++i];
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    return Fail(error, $"unknown or incomplete option '{option}'\n{Usage}");
                case var extra when path is not null:
                    return Fail(error, $"one target only; '{extra}' is a second one\n{Usage}");
                default:
                    path = args[i];
                    break;
            }
        }

        if (path is null)
        {
            return Fail(error, Usage);
        }

        BuildTarget target;
        try
        {
            target = BuildTarget.Resolve(path);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return Fail(error, ex.Message);
        }

        var watch = Stopwatch.StartNew();
        var logDirectory = Path.Combine(Path.GetTempPath(), $"pinapi-check-{Guid.NewGuid():N}");
        try
        {
            output.WriteLine($"building {Path.GetFileName(target.File)} with the PinApi analyzers ...");
            var build = SarifBuild.Run(target, logDirectory, Phase);
            if (build.Logs.Count == 0)
            {
                return Fail(error, build.Succeeded
                    ? "the build compiled none of the target's projects, so nothing was analyzed"
                    : $"the build failed before anything was analyzed:\n{string.Join('\n', build.Errors)}");
            }

            var log = SarifLog.Merge(build.Logs.Select(SarifLog.Read));
            var rules = log.Rules.Where(r => IsPinApi(r.Id)).ToList();
            if (rules.Count == 0)
            {
                return Fail(error, "no PinApi analyzer ran in this build: does the project reference the PinApi package?");
            }

            var results = log.Results.Where(r => IsPinApi(r.RuleId))
                .OrderBy(r => r.Location?.File, StringComparer.Ordinal)
                .ThenBy(r => r.Location?.StartLine)
                .ThenBy(r => r.Location?.StartColumn)
                .ThenBy(r => r.RuleId, StringComparer.Ordinal)
                .ToList();
            PrintTable(output, rules, results);
            PrintSites(output, results.Where(r => !r.IsSuppressed), target.Directory);
            if (sarif is not null)
            {
                SarifWriter.Write(sarif, rules, results, SarifWriter.SourceRootOf(target.Directory));
                output.WriteLine($"SARIF 2.1.0: {Path.GetFullPath(sarif)}");
            }

            var errors = results.Count(r => !r.IsSuppressed && r.Level == "error");
            if (!build.Succeeded)
            {
                var other = build.Errors.Where(line => !line.Contains($" error {RulePrefix}", StringComparison.Ordinal)).ToList();
                output.WriteLine(other.Count == 0 ? "the build failed on PinApi errors" : $"the build failed:\n{string.Join('\n', other)}");
            }

            output.WriteLine($"{results.Count(r => !r.IsSuppressed)} PinApi diagnostics, {errors} errors, in {build.Logs.Count} project(s); wall time {watch.Elapsed.TotalSeconds:F1} s");
            return errors > 0 || !build.Succeeded ? 1 : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return Fail(error, ex.Message);
        }
        finally
        {
            TryDelete(logDirectory);
        }
    }

    private static bool IsPinApi(string id) => id.StartsWith(RulePrefix, StringComparison.Ordinal);

    private static void PrintTable(TextWriter output, IReadOnlyList<SarifRule> rules, IReadOnlyList<SarifResult> results)
    {
        output.WriteLine();
        output.WriteLine($"{"rule",-8} {"error",6} {"warning",8} {"note",6} {"suppressed",11}  title");
        int[] total = [0, 0, 0, 0];
        foreach (var rule in rules)
        {
            var of = results.Where(r => r.RuleId == rule.Id).ToList();
            int[] counts =
            [
                of.Count(r => !r.IsSuppressed && r.Level == "error"),
                of.Count(r => !r.IsSuppressed && r.Level == "warning"),
                of.Count(r => !r.IsSuppressed && r.Level is not "error" and not "warning"),
                of.Count(r => r.IsSuppressed),
            ];
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += counts[i];
            }

            output.WriteLine($"{rule.Id,-8} {counts[0],6} {counts[1],8} {counts[2],6} {counts[3],11}  {rule.Title}");
        }

        output.WriteLine($"{"total",-8} {total[0],6} {total[1],8} {total[2],6} {total[3],11}");
        output.WriteLine();
    }

    private static void PrintSites(TextWriter output, IEnumerable<SarifResult> results, string directory)
    {
        var list = results.ToList();
        if (list.Count == 0)
        {
            return;
        }

        output.WriteLine("sites:");
        foreach (var result in list)
        {
            var site = result.Location is { } location
                ? $"{Path.GetRelativePath(directory, location.File)}:{location.StartLine}"
                : "(no location)";
            output.WriteLine($"  {result.RuleId} {result.Level} {site}: {result.Message}");
        }

        output.WriteLine();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the temp cleaner: a build node may still hold a file.
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pinapi check: {message}");
        return 2;
    }
}
