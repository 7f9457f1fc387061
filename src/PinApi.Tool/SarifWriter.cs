using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PinApi.Tool;

/// <summary>
/// Writes one SARIF 2.1.0 log of PinApi results for code-scanning viewers: a single run whose driver is PinApi, the
/// rules with their help links, and every result with its paths relative to the source root (<c>%SRCROOT%</c>, the
/// repository holding the target), its related locations (the path of PIN0003–PIN0005) each with an id and the line
/// it points at, and a fingerprint that survives lines moving.
/// </summary>
internal static class SarifWriter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    public const string SourceRootId = "%SRCROOT%";

    public const string FingerprintKey = "pinapiLineHash/v1";

    public static void Write(string path, IReadOnlyList<SarifRule> rules, IReadOnlyList<SarifResult> results, string sourceRoot)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sourceRoot)) + Path.DirectorySeparatorChar;
        var lines = new SourceLines();
        var ruleIndex = rules.Select((rule, index) => (rule.Id, index)).ToDictionary(p => p.Id, p => p.index);
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);

        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("$schema", SchemaUri);
        json.WriteString("version", "2.1.0");
        json.WriteStartArray("runs");
        json.WriteStartObject();

        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "PinApi");
        json.WriteString("fullName", "PinApi analyzers, run by pinapi check");
        var version = typeof(SarifWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        json.WriteString("version", version);
        json.WriteString("semanticVersion", version.Split('+')[0]);
        json.WriteString("informationUri", "https://github.com/pinapi/pinapi");
        json.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            WriteRule(json, rule);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("originalUriBaseIds");
        json.WriteStartObject(SourceRootId);
        json.WriteString("uri", new Uri(root).AbsoluteUri);
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartArray("results");
        foreach (var result in results)
        {
            json.WriteStartObject();
            json.WriteString("ruleId", result.RuleId);
            if (ruleIndex.TryGetValue(result.RuleId, out var index))
            {
                json.WriteNumber("ruleIndex", index);
            }

            json.WriteString("level", result.Level);
            json.WriteStartObject("message");
            json.WriteString("text", result.Message);
            json.WriteEndObject();
            if (result.Location is { } location)
            {
                json.WriteStartArray("locations");
                json.WriteStartObject();
                WritePhysicalLocation(json, location, root);
                json.WriteEndObject();
                json.WriteEndArray();

                var key = $"{result.RuleId}|{Relative(location.File, root)}|{lines.Get(location.File, location.StartLine).Trim()}";
                occurrences[key] = occurrences.TryGetValue(key, out var seen) ? seen + 1 : 1;
                json.WriteStartObject("partialFingerprints");
                json.WriteString(FingerprintKey, Hash($"{key}|{occurrences[key]}"));
                json.WriteEndObject();
            }

            if (result.Related.Count > 0)
            {
                json.WriteStartArray("relatedLocations");
                for (var i = 0; i < result.Related.Count; i++)
                {
                    var related = result.Related[i];
                    json.WriteStartObject();
                    json.WriteNumber("id", i + 1);
                    json.WriteStartObject("message");
                    var text = lines.Get(related.File, related.StartLine).Trim();
                    json.WriteString("text", text.Length == 0 ? $"line {related.StartLine}" : $"line {related.StartLine}: {text}");
                    json.WriteEndObject();
                    WritePhysicalLocation(json, related, root);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            if (result.Suppression is { } suppression)
            {
                json.WriteStartArray("suppressions");
                json.WriteStartObject();
                json.WriteString("kind", suppression);
                json.WriteEndObject();
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("columnKind", "utf16CodeUnits");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The folder whose paths the log is relative to: the repository (a folder with .git) holding the target, else the target's folder.</summary>
    public static string SourceRootOf(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }

        return directory;
    }

    private static void WriteRule(Utf8JsonWriter json, SarifRule rule)
    {
        json.WriteStartObject();
        json.WriteString("id", rule.Id);
        json.WriteStartObject("shortDescription");
        json.WriteString("text", rule.Title);
        json.WriteEndObject();
        json.WriteStartObject("fullDescription");
        json.WriteString("text", rule.Description.Length > 0 ? rule.Description : rule.Title);
        json.WriteEndObject();
        if (rule.HelpUri.Length > 0)
        {
            json.WriteString("helpUri", rule.HelpUri);
        }

        json.WriteStartObject("help");
        json.WriteString("text", rule.HelpUri.Length > 0 ? $"{rule.Description} See {rule.HelpUri}" : rule.Description);
        json.WriteEndObject();
        json.WriteStartObject("defaultConfiguration");
        json.WriteString("level", rule.DefaultLevel);
        json.WriteEndObject();
        json.WriteStartObject("properties");
        json.WriteString("category", rule.Category);
        json.WriteStartArray("tags");
        json.WriteStringValue(rule.Category);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePhysicalLocation(Utf8JsonWriter json, SarifRegion region, string root)
    {
        json.WriteStartObject("physicalLocation");
        json.WriteStartObject("artifactLocation");
        var relative = Relative(region.File, root);
        if (relative is not null)
        {
            json.WriteString("uri", relative);
            json.WriteString("uriBaseId", SourceRootId);
        }
        else
        {
            json.WriteString("uri", Path.IsPathRooted(region.File) ? new Uri(region.File).AbsoluteUri : region.File);
        }

        json.WriteEndObject();
        if (region.StartLine > 0)
        {
            json.WriteStartObject("region");
            json.WriteNumber("startLine", region.StartLine);
            json.WriteNumber("startColumn", region.StartColumn);
            json.WriteNumber("endLine", region.EndLine);
            json.WriteNumber("endColumn", region.EndColumn);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>The file as a relative URI below the source root (segments escaped), or null outside it.</summary>
    private static string? Relative(string file, string root)
    {
        if (!Path.IsPathRooted(file) || !Path.GetFullPath(file).StartsWith(root, StringComparison.Ordinal))
        {
            return null;
        }

        return string.Join('/', Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    /// <summary>Source lines read once per file, for the related locations' messages and the fingerprints.</summary>
    private sealed class SourceLines
    {
        private readonly Dictionary<string, string[]> files = new(StringComparer.Ordinal);

        public string Get(string file, int line)
        {
            if (!files.TryGetValue(file, out var text))
            {
                try
                {
                    text = File.Exists(file) ? File.ReadAllLines(file) : [];
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    text = [];
                }

                files[file] = text;
            }

            return line >= 1 && line <= text.Length ? text[line - 1] : string.Empty;
        }
    }
}
