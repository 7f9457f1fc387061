using System.Diagnostics;

namespace PinApi.Tool;

/// <summary>
/// <c>pinapi migrate &lt;project|solution|folder&gt; [--out DIR] [--rules PIN0301,…] [--dry-run]</c>: the seed series'
/// migration done mechanically. It builds first (so the analyzers exist and the sites are counted), applies the
/// PinApi code fixes with <c>dotnet format analyzers</c>, refuses dotnet format's false greens (nothing built, no
/// code fix found, fixes still pending), rebuilds, and prints per rule what was found, fixed and left.
/// </summary>
internal static class MigrateCommand
{
    /// <summary>The rename, then the GET→PIN conversions of PIN0002/PIN0201/PIN0205, then the release-family fix.</summary>
    public static readonly string[] DefaultRules = ["PIN0301", "PIN0002", "PIN0201", "PIN0205", "PIN0001"];

    private const int MaxFormatPasses = 3;

    private const string BeforeLog = "before";
    private const string AfterLog = "after";

    public static int Run(string[] args)
    {
        string? path = null;
        string? outDirectory = null;
        var rules = DefaultRules;
        var dryRun = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    outDirectory = args[++i];
                    break;
                case "--rules" when i + 1 < args.Length:
                    rules = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--dry-run":
                    dryRun = true;
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    return Fail($"unknown or incomplete option '{option}'");
                default:
                    path ??= args[i];
                    break;
            }
        }

        if (path is null)
        {
            return Fail("usage: pinapi migrate <project|solution|folder> [--out DIR] [--rules PIN0301,...] [--dry-run]");
        }

        var watch = Stopwatch.StartNew();
        BuildTarget target;
        try
        {
            target = BuildTarget.Resolve(path);
            if (outDirectory is not null)
            {
                target = target.CopyTo(outDirectory);
                Console.WriteLine($"working on a copy: {target.Directory}");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return Fail(ex.Message);
        }

        Console.WriteLine($"[1/4] building {Path.GetFileName(target.File)} with the PinApi analyzers ...");
        var before = Build(target, BeforeLog, out var buildError);
        if (before is null)
        {
            return Fail($"the build before migrating failed:\n{buildError}");
        }

        var found = Count(before, rules);
        if (dryRun)
        {
            PrintTable(rules, found, found, fixedAny: false);
            PrintSites(before.Where(d => rules.Contains(d.RuleId)), "sites found (dry run, nothing changed)");
            Console.WriteLine($"wall time {watch.Elapsed.TotalSeconds:F1} s");
            return 0;
        }

        Console.WriteLine($"[2/4] applying fixes for {string.Join(", ", rules)} with dotnet format ...");
        var formatEnvironment = FormatEnvironment(target);
        string[] formatArguments = ["format", "analyzers", target.File, "--diagnostics", .. rules, "--severity", "info", "--no-restore"];
        var noFix = new List<string>();
        var pending = true;

        // dotnet format fixes one rule after another on diagnostics computed once, so a fix that moves code (a
        // rename changes lengths) can leave another rule's fixes stale: pass again until a pass changes nothing.
        // (--verify-no-changes cannot be the test: it fails on any diagnostic that has a fixer, even one whose fix
        // does not apply, such as a release paired through a field.)
        for (var pass = 1; pass <= MaxFormatPasses && pending; pass++)
        {
            var sources = SourceSnapshot(target);
            var format = DotnetCli.Run(target.Directory, formatEnvironment, formatArguments);
            if (format.ExitCode != 0)
            {
                return Fail($"dotnet format failed (exit {format.ExitCode}):\n{format.Output}");
            }

            noFix.AddRange(format.Output.Split('\n').Where(l => l.Contains("Unable to fix", StringComparison.Ordinal)).Select(l => l.Trim()));
            pending = !SourceSnapshot(target).SequenceEqual(sources);
            Console.WriteLine($"[3/4] pass {pass}: {(pending ? "files changed, passing again" : "nothing more to fix")}");
        }

        noFix = noFix.Distinct().ToList();
        Console.WriteLine("[4/4] rebuilding ...");
        var after = Build(target, AfterLog, out buildError);
        if (after is null)
        {
            return Fail($"the migrated code does not build:\n{buildError}");
        }

        var left = Count(after, rules);
        PrintTable(rules, found, left, fixedAny: true);
        PrintSites(after.Where(d => rules.Contains(d.RuleId)), "sites left (no mechanical fix applies; each needs a decision)");
        foreach (var line in noFix)
        {
            Console.WriteLine($"  dotnet format: {line}");
        }

        if (pending)
        {
            Console.WriteLine($"  the fixes still changed files in pass {MaxFormatPasses}: run the migration again.");
        }

        Console.WriteLine($"wall time {watch.Elapsed.TotalSeconds:F1} s");
        return pending ? 1 : 0;
    }

    /// <summary>Every C# file of the target with its content, in a stable order: what a format pass may change.</summary>
    private static List<(string File, string Text)> SourceSnapshot(BuildTarget target) =>
        Directory.GetFiles(target.Directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(f)))
            .ToList();

    /// <summary>
    /// dotnet format fixes nothing of a rule that a project lists in WarningsNotAsErrors (a project that keeps a
    /// migration's warnings from failing its build does exactly that), and says nothing. A targets file imported after
    /// the project body clears the list for the dotnet format runs only; the builds keep the project as it is.
    /// </summary>
    private static Dictionary<string, string> FormatEnvironment(BuildTarget target)
    {
        var overrides = Path.Combine(target.Directory, ".pinapi", "format-overrides.targets");
        File.WriteAllText(overrides, """
            <Project>
              <!-- Written by pinapi migrate for its dotnet format runs: see MigrateCommand.FormatEnvironment. -->
              <PropertyGroup>
                <WarningsNotAsErrors></WarningsNotAsErrors>
              </PropertyGroup>
            </Project>
            """);
        return new Dictionary<string, string> { ["CustomAfterMicrosoftCommonTargets"] = overrides };
    }

    /// <summary>
    /// Builds with a SARIF log per project and returns the diagnostics of the target's own projects, or null when the
    /// build failed. The logs go to the target's .pinapi folder, never beside referenced projects elsewhere.
    /// </summary>
    private static List<SarifDiagnostic>? Build(BuildTarget target, string phase, out string error)
    {
        var build = SarifBuild.Run(target, Path.Combine(target.Directory, ".pinapi"), phase);
        error = string.Join('\n', build.Errors);
        if (!build.Succeeded)
        {
            return null;
        }

        if (build.Logs.Count == 0)
        {
            error = "the build wrote no SARIF log for the target's projects, so nothing can be counted";
            return null;
        }

        return build.Logs.SelectMany(SarifDiagnostic.Read).Distinct().ToList();
    }

    private static Dictionary<string, int> Count(IEnumerable<SarifDiagnostic> diagnostics, string[] rules) =>
        rules.ToDictionary(rule => rule, rule => diagnostics.Count(d => d.RuleId == rule));

    private static void PrintTable(string[] rules, Dictionary<string, int> found, Dictionary<string, int> left, bool fixedAny)
    {
        Console.WriteLine();
        Console.WriteLine($"{"rule",-8} {"found",6} {"fixed",6} {"left",6}");
        foreach (var rule in rules)
        {
            var fixedCount = fixedAny ? Math.Max(0, found[rule] - left[rule]) : 0;
            Console.WriteLine($"{rule,-8} {found[rule],6} {fixedCount,6} {left[rule],6}");
        }

        var total = rules.Sum(r => found[r]);
        var totalLeft = rules.Sum(r => left[r]);
        Console.WriteLine($"{"total",-8} {total,6} {(fixedAny ? Math.Max(0, total - totalLeft) : 0),6} {totalLeft,6}");
        Console.WriteLine();
    }

    private static void PrintSites(IEnumerable<SarifDiagnostic> sites, string heading)
    {
        var list = sites.OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ToList();
        if (list.Count == 0)
        {
            return;
        }

        Console.WriteLine($"{heading}:");
        foreach (var site in list)
        {
            Console.WriteLine($"  {site.RuleId} {site.Site}: {site.Message}");
        }

        Console.WriteLine();
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"pinapi migrate: {message}");
        return 2;
    }
}
