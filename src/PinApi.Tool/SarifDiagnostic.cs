using System.Text.Json;

namespace PinApi.Tool;

/// <summary>One result of a SARIF 2.1 log written by the compiler (<c>-p:ErrorLog=…,version=2.1</c>).</summary>
public sealed record SarifDiagnostic(string RuleId, string Level, string Message, string File, int Line)
{
    public string Site => $"{Path.GetFileName(File)}:{Line}";

    /// <summary>Reads every result of a SARIF 2.1 file, de-duplicated by rule and location.</summary>
    public static IReadOnlyList<SarifDiagnostic> Read(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var results = new List<SarifDiagnostic>();
        foreach (var run in document.RootElement.GetProperty("runs").EnumerateArray())
        {
            if (!run.TryGetProperty("results", out var runResults))
            {
                continue;
            }

            foreach (var result in runResults.EnumerateArray())
            {
                var ruleId = result.TryGetProperty("ruleId", out var id) ? id.GetString() ?? "?" : "?";
                var level = result.TryGetProperty("level", out var l) ? l.GetString() ?? "warning" : "warning";
                var message = result.TryGetProperty("message", out var m) && m.TryGetProperty("text", out var text) ? text.GetString() ?? string.Empty : string.Empty;
                var file = string.Empty;
                var line = 0;
                if (result.TryGetProperty("locations", out var locations) && locations.GetArrayLength() > 0 &&
                    locations[0].TryGetProperty("physicalLocation", out var physical))
                {
                    if (physical.TryGetProperty("artifactLocation", out var artifact) && artifact.TryGetProperty("uri", out var uri))
                    {
                        file = Uri.TryCreate(uri.GetString(), UriKind.Absolute, out var parsed) && parsed.IsFile ? parsed.LocalPath : uri.GetString() ?? string.Empty;
                    }

                    if (physical.TryGetProperty("region", out var region) && region.TryGetProperty("startLine", out var startLine))
                    {
                        line = startLine.GetInt32();
                    }
                }

                results.Add(new SarifDiagnostic(ruleId, level, message, file, line));
            }
        }

        return results.Distinct().ToList();
    }
}
