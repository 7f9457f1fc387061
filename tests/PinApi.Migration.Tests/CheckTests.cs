using System.Text.Json;
using System.Text.RegularExpressions;

namespace PinApi.Migration.Tests;

/// <summary>
/// <c>pinapi check</c> end to end: the per-rule table, the exit codes, and the SARIF 2.1.0 it writes, validated against
/// what a code-scanning viewer (GitHub code scanning, the VS Code SARIF viewer) reads from a log.
/// </summary>
[Collection(nameof(CheckedProjects))]
public class CheckTests(CheckedProjects checkedProjects)
{
    private static readonly string[] Levels = ["error", "warning", "note", "none"];

    [Fact]
    public void Legacy_is_checked_with_its_demoted_errors_seen_and_counted_per_rule()
    {
        var run = checkedProjects.Legacy;
        Assert.True(run.ExitCode == 0, run.ToString());
        var table = Table(run.Output);

        // Legacy demotes PIN0002 (an error by default) to a warning and lists it in WarningsNotAsErrors: the build
        // passes, and the check still sees every site, from the compiler's log rather than the build's errors.
        Assert.True(table["PIN0002"].Warning > 0, run.Output);
        Assert.True(table["PIN0301"].Warning > 0, run.Output);
        Assert.All(table.Values, row => Assert.Equal(0, row.Error));

        // The table agrees with the SARIF the same run wrote, rule by rule.
        using var sarif = JsonDocument.Parse(File.ReadAllText(checkedProjects.LegacySarif));
        var results = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        foreach (var (rule, row) in table.Where(r => r.Key != "total"))
        {
            Assert.Equal(row.Error + row.Warning + row.Note + row.Suppressed, results.Count(r => r.GetProperty("ruleId").GetString() == rule));
        }

        var total = table["total"];
        Assert.Equal(results.Count, total.Error + total.Warning + total.Note + total.Suppressed);
    }

    [Fact]
    public void Legacy_sarif_paths_are_relative_to_the_repository()
    {
        using var sarif = JsonDocument.Parse(File.ReadAllText(checkedProjects.LegacySarif));
        var run = sarif.RootElement.GetProperty("runs")[0];
        var root = new Uri(run.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString()!);
        Assert.Equal(RepositoryPaths.Root.TrimEnd('/') + "/", root.LocalPath);
        Assert.All(run.GetProperty("results").EnumerateArray(), result =>
            Assert.StartsWith("samples/Legacy/", Uri(result.GetProperty("locations")[0]), StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_build_is_still_reported_and_exits_1()
    {
        var run = checkedProjects.FlowRun;
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("the build failed on PinApi errors", run.Output, StringComparison.Ordinal);
        var table = Table(run.Output);
        Assert.Equal(1, table["PIN0002"].Error);
        Assert.Equal(1, table["PIN0003"].Warning);
        Assert.Equal(1, table["PIN0004"].Warning);
        Assert.Equal(1, table["PIN0005"].Warning);
        Assert.Matches(new Regex(@"PIN0004 warning Paths\.cs:\d+: "), run.Output);
    }

    [Fact]
    public void The_sarif_has_what_a_code_scanning_viewer_reads()
    {
        using var sarif = JsonDocument.Parse(File.ReadAllText(checkedProjects.FlowSarif));
        var log = sarif.RootElement;
        Assert.Equal("2.1.0", log.GetProperty("version").GetString());
        Assert.Contains("sarif-2.1.0", log.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        var run = Assert.Single(log.GetProperty("runs").EnumerateArray());

        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("PinApi", driver.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(driver.GetProperty("semanticVersion").GetString()));
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        var ids = rules.Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Contains("PIN0003", ids);
        foreach (var rule in rules)
        {
            var id = rule.GetProperty("id").GetString()!;
            Assert.Matches("^PIN[0-9]{4}$", id);
            Assert.False(string.IsNullOrWhiteSpace(rule.GetProperty("shortDescription").GetProperty("text").GetString()), id);
            Assert.False(string.IsNullOrWhiteSpace(rule.GetProperty("fullDescription").GetProperty("text").GetString()), id);
            Assert.Equal($"https://github.com/pinapi/pinapi/blob/main/analyzers/docs/{id}.md", rule.GetProperty("helpUri").GetString());
            Assert.Contains(rule.GetProperty("defaultConfiguration").GetProperty("level").GetString(), Levels);
        }

        var root = new Uri(run.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString()!);
        Assert.True(root.IsAbsoluteUri && root.IsFile && root.AbsoluteUri.EndsWith('/'), root.ToString());
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        var fingerprints = new HashSet<string>();
        foreach (var result in results)
        {
            var ruleId = result.GetProperty("ruleId").GetString()!;
            Assert.Equal(ruleId, rules[result.GetProperty("ruleIndex").GetInt32()].GetProperty("id").GetString());
            Assert.Contains(result.GetProperty("level").GetString(), Levels);
            Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("message").GetProperty("text").GetString()));
            var location = Assert.Single(result.GetProperty("locations").EnumerateArray());
            Assert.Equal("%SRCROOT%", location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
            Assert.True(File.Exists(new Uri(root, Uri(location)).LocalPath), Uri(location));
            Assert.True(StartLine(location) >= 1);
            Assert.True(location.GetProperty("physicalLocation").GetProperty("region").GetProperty("startColumn").GetInt32() >= 1);
            Assert.True(fingerprints.Add(result.GetProperty("partialFingerprints").GetProperty("pinapiLineHash/v1").GetString()!));
        }

        // Every marked site is a result of its rule at its line, and nothing else is.
        var expected = new[] { "PIN0002", "PIN0003", "PIN0004", "PIN0005" }
            .SelectMany(id => CheckedProjects.LinesTagged(id).Select(line => $"{id}@{line}"))
            .Order(StringComparer.Ordinal);
        var actual = results.Select(r => $"{r.GetProperty("ruleId").GetString()}@{StartLine(r.GetProperty("locations")[0])}").Order(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("PIN0003", "branch", "exit")]
    [InlineData("PIN0004", "first release", "acquire")]
    [InlineData("PIN0005", "first release", "acquire")]
    public void The_path_of_a_flow_rule_is_its_related_locations(string rule, string firstTag, string secondTag)
    {
        using var sarif = JsonDocument.Parse(File.ReadAllText(checkedProjects.FlowSarif));
        var result = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Single(r => r.GetProperty("ruleId").GetString() == rule);
        var line = StartLine(result.GetProperty("locations")[0]);
        var method = Method(line);
        var related = result.GetProperty("relatedLocations").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, related.Count), related.Select(r => r.GetProperty("id").GetInt32()));
        foreach (var location in related)
        {
            Assert.Equal("Paths.cs", Uri(location));
            var text = location.GetProperty("message").GetProperty("text").GetString()!;
            Assert.StartsWith($"line {StartLine(location)}: ", text, StringComparison.Ordinal);
        }

        // The lines the path passes through, as the source's comments mark them within the reported method.
        var lines = related.Select(StartLine).ToList();
        Assert.Contains(Assert.Single(CheckedProjects.LinesTagged(firstTag, method.From, method.To)), lines);
        Assert.Contains(Assert.Single(CheckedProjects.LinesTagged(secondTag, method.From, method.To)), lines);
    }

    [Fact]
    public void A_missing_path_is_a_clear_error_with_exit_code_2()
    {
        var missing = Path.Combine(checkedProjects.Root, "no-such-project");
        var run = CheckedProjects.Check(missing);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"pinapi check: No such project, solution or folder: {missing}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    public static TheoryData<string[]> BadArguments() => new()
    {
        Array.Empty<string>(),
        new[] { "--sarif" },
        new[] { "samples/Legacy", "--format", "json" },
        new[] { "samples/Legacy", "samples/Drivers" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_print_the_usage_and_exit_2(string[] args)
    {
        var run = CheckedProjects.Check(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("usage: pinapi check <project|solution|folder> [--sarif out.sarif]", run.Error, StringComparison.Ordinal);
    }

    private static string Uri(JsonElement location) =>
        location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;

    private static int StartLine(JsonElement location) =>
        location.GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32();

    /// <summary>The lines of the method of <see cref="CheckedProjects.FlowSource"/> that holds <paramref name="line"/>.</summary>
    private static (int From, int To) Method(int line)
    {
        var lines = CheckedProjects.FlowSource.Split('\n');
        var starts = lines.Select((text, index) => (text, number: index + 1))
            .Where(l => l.text.TrimStart().StartsWith("public static int ", StringComparison.Ordinal))
            .Select(l => l.number)
            .Append(lines.Length + 1)
            .ToList();
        var from = starts.Last(s => s <= line);
        return (from, starts.First(s => s > line) - 1);
    }

    private sealed record Row(int Error, int Warning, int Note, int Suppressed);

    /// <summary>The rows of the printed table: <c>PIN0002  0  4  0  0  title</c> and the <c>total</c> line.</summary>
    private static Dictionary<string, Row> Table(string output) =>
        Regex.Matches(output, @"^(?<rule>PIN\d{4}|total)\s+(?<e>\d+)\s+(?<w>\d+)\s+(?<n>\d+)\s+(?<s>\d+)", RegexOptions.Multiline)
            .ToDictionary(
                m => m.Groups["rule"].Value,
                m => new Row(int.Parse(m.Groups["e"].Value), int.Parse(m.Groups["w"].Value), int.Parse(m.Groups["n"].Value), int.Parse(m.Groups["s"].Value)));
}
