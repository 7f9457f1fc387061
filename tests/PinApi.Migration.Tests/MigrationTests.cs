using PinApi.Tool;

namespace PinApi.Migration.Tests;

/// <summary>
/// End to end: <c>pinapi migrate samples/Legacy --out DIR</c> on a copy, then the copy is checked as a reviewer
/// would: nothing of what the migration rules flag is left, it builds with those rules as errors, and the diff
/// touches only call sites.
/// </summary>
[Collection(nameof(MigratedLegacy))]
public class MigrationTests(MigratedLegacy migrated)
{
    /// <summary>The rules pinapi migrate applies by default: what must be gone afterwards.</summary>
    private static readonly string[] MigrationRules = ["PIN0301", "PIN0002", "PIN0201", "PIN0205", "PIN0001"];

    [Fact]
    public void The_migration_succeeds_and_prints_the_per_rule_table()
    {
        Assert.True(migrated.ExitCode == 0, migrated.Output);
        Assert.Contains("rule", migrated.Output);
        Assert.Contains("found", migrated.Output);
        foreach (var rule in MigrationRules)
        {
            Assert.Contains(rule, migrated.Output);
        }
    }

    [Fact]
    public void The_legacy_code_had_renames_and_family_mismatches_to_fix()
    {
        // Guards against a false green: an analyzer that did not load would find nothing and fix nothing.
        var before = migrated.Before;
        Assert.Contains(before, d => d.RuleId == "PIN0301");
        Assert.Contains(before, d => d.RuleId == "PIN0002");
    }

    [Fact]
    public void No_rename_or_get_pin_mismatch_is_left()
    {
        string[] renamesAndMismatches = ["PIN0301", "PIN0001", "PIN0002"];
        var left = migrated.After.Where(d => renamesAndMismatches.Contains(d.RuleId)).ToList();
        Assert.True(left.Count == 0, string.Join(Environment.NewLine, left.Select(d => $"{d.RuleId} {d.Site}: {d.Message}")));
    }

    [Fact]
    public void Every_conversion_left_undone_is_reported_as_a_site_left()
    {
        // A GET acquire whose pages a [TakesOwnership] callee releases (vfio's pfn) is not converted; the table must
        // say so, site by site, rather than claim the rule done.
        var left = migrated.After.Where(d => d.RuleId is "PIN0201" or "PIN0205").ToList();
        foreach (var site in left)
        {
            Assert.Contains($"{site.RuleId} {site.Site}", migrated.Output);
        }

        var totalLine = migrated.Output.Split('\n').Single(line => line.StartsWith("total ", StringComparison.Ordinal));
        Assert.Equal(left.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), totalLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
    }

    [Fact]
    public void The_migrated_copy_builds_with_the_migration_rules_as_errors()
    {
        // The other PIN rules flag the era's remaining bugs, which the migration leaves for a person to decide.
        var other = string.Join(';', Enumerable.Range(0, 8).Select(i => $"PIN000{i}")
            .Concat(Enumerable.Range(1, 4).Select(i => $"PIN010{i}"))
            .Concat(Enumerable.Range(1, 7).Select(i => $"PIN020{i}"))
            .Where(id => !MigrationRules.Contains(id)));
        var build = DotnetCli.Run(migrated.Directory, "build", Path.Combine(migrated.Directory, "Legacy.csproj"),
            "-p:TreatWarningsAsErrors=true", $"-p:WarningsNotAsErrors={other.Replace(";", "%3B", StringComparison.Ordinal)}");
        Assert.True(build.ExitCode == 0, build.Output);
    }

    [Fact]
    public void The_diff_touches_only_call_sites()
    {
        var changedLines = 0;
        foreach (var original in Directory.GetFiles(RepositoryPaths.Legacy, "*.cs"))
        {
            var before = File.ReadAllLines(original);
            var after = File.ReadAllLines(Path.Combine(migrated.Directory, Path.GetFileName(original)));
            Assert.True(before.Length == after.Length, $"{Path.GetFileName(original)}: the migration added or removed lines");
            for (var i = 0; i < before.Length; i++)
            {
                if (before[i] == after[i])
                {
                    continue;
                }

                changedLines++;
                Assert.True(IsCallSiteEdit(before[i], after[i]), $"{Path.GetFileName(original)}:{i + 1} changed beyond a GUP call site:\n- {before[i]}\n+ {after[i]}");
            }
        }

        Assert.True(changedLines > 0, "the migration changed nothing");
    }

    /// <summary>A changed line must differ only in GUP API names (the renames and conversions), nothing else.</summary>
    private static bool IsCallSiteEdit(string before, string after)
    {
        static string Normalize(string line) => System.Text.RegularExpressions.Regex.Replace(
            line, @"\b(Get|Pin)UserPages(Fast|FastOnly|Remote|Unlocked)?\b|\bPutPage\b|\b(Put|Unpin)UserPages?(DirtyLock)?\b|\bUnpinUserPageRangeDirtyLock\b|\bGotPage\b|\bPinnedPage\b|GupFlags\.Longterm\s*\|?\s*", "API");
        return Normalize(before) == Normalize(after);
    }
}
