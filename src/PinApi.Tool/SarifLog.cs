using System.Text.Json;

namespace PinApi.Tool;

/// <summary>A rule a SARIF log declares (<c>runs[].tool.driver.rules[]</c>): a diagnostic descriptor of a loaded analyzer.</summary>
internal sealed record SarifRule(string Id, string Title, string Description, string HelpUri, string DefaultLevel, string Category);

/// <summary>A file region of a SARIF log, with the file as a local path.</summary>
internal sealed record SarifRegion(string File, int StartLine, int StartColumn, int EndLine, int EndColumn);

/// <summary>
/// A result of a SARIF log: the diagnostic, its primary location, its related locations (Roslyn writes a diagnostic's
/// additional locations there: the path of PIN0003–PIN0005) and, when it was suppressed, how.
/// </summary>
internal sealed record SarifResult(string RuleId, string Level, string Message, SarifRegion? Location, IReadOnlyList<SarifRegion> Related, string? Suppression)
{
    public bool IsSuppressed => Suppression is not null;

    /// <summary>What identifies the result across logs (the same file compiled by two projects is reported twice).</summary>
    public string Key => $"{RuleId}|{Location?.File}|{Location?.StartLine}|{Location?.StartColumn}|{Message}";
}

/// <summary>
/// A SARIF 2.1 log as the compiler writes it (<c>-p:ErrorLog=…,version=2.1</c>), or several merged: the rules of every
/// loaded analyzer and the results, de-duplicated.
/// </summary>
internal sealed class SarifLog
{
    private SarifLog(IReadOnlyList<SarifRule> rules, IReadOnlyList<SarifResult> results)
    {
        Rules = rules;
        Results = results;
    }

    public IReadOnlyList<SarifRule> Rules { get; }

    public IReadOnlyList<SarifResult> Results { get; }

    public static SarifLog Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var rules = new List<SarifRule>();
        var results = new List<SarifResult>();
        foreach (var run in Array(document.RootElement, "runs"))
        {
            if (run.TryGetProperty("tool", out var tool) && tool.TryGetProperty("driver", out var driver))
            {
                rules.AddRange(Array(driver, "rules").Select(ReadRule));
            }

            results.AddRange(Array(run, "results").Select(ReadResult));
        }

        return new SarifLog(rules, results);
    }

    /// <summary>Every log's rules (the first declaration of an ID wins) and results (de-duplicated by <see cref="SarifResult.Key"/>).</summary>
    public static SarifLog Merge(IEnumerable<SarifLog> logs)
    {
        var list = logs.ToList();
        return new SarifLog(
            list.SelectMany(l => l.Rules).DistinctBy(r => r.Id).OrderBy(r => r.Id, StringComparer.Ordinal).ToList(),
            list.SelectMany(l => l.Results).DistinctBy(r => r.Key).ToList());
    }

    private static SarifRule ReadRule(JsonElement rule) => new(
        String(rule, "id") ?? "?",
        Text(rule, "shortDescription") ?? string.Empty,
        Text(rule, "fullDescription") ?? string.Empty,
        String(rule, "helpUri") ?? string.Empty,
        rule.TryGetProperty("defaultConfiguration", out var configuration) ? String(configuration, "level") ?? "warning" : "warning",
        rule.TryGetProperty("properties", out var properties) ? String(properties, "category") ?? string.Empty : string.Empty);

    private static SarifResult ReadResult(JsonElement result)
    {
        var locations = Array(result, "locations").Select(ReadRegion).OfType<SarifRegion>().ToList();
        var suppression = Array(result, "suppressions").Select(s => String(s, "kind") ?? "inSource").FirstOrDefault();
        return new SarifResult(
            String(result, "ruleId") ?? "?",
            String(result, "level") ?? "warning",
            Text(result, "message") ?? string.Empty,
            locations.FirstOrDefault(),
            Array(result, "relatedLocations").Select(ReadRegion).OfType<SarifRegion>().ToList(),
            suppression);
    }

    private static SarifRegion? ReadRegion(JsonElement location)
    {
        if (!location.TryGetProperty("physicalLocation", out var physical) ||
            !physical.TryGetProperty("artifactLocation", out var artifact) || String(artifact, "uri") is not { } uri)
        {
            return null;
        }

        var file = Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.IsFile ? parsed.LocalPath : uri;
        if (!physical.TryGetProperty("region", out var region))
        {
            return new SarifRegion(file, 0, 0, 0, 0);
        }

        var startLine = Int(region, "startLine", 0);
        var startColumn = Int(region, "startColumn", 1);
        return new SarifRegion(file, startLine, startColumn, Int(region, "endLine", startLine), Int(region, "endColumn", startColumn));
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var message) ? String(message, "text") : null;

    private static int Int(JsonElement element, string name, int fallback) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : fallback;
}
