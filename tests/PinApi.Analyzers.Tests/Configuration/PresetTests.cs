using PinApi.Analyzers.Tests.Infrastructure;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace PinApi.Analyzers.Tests.Configuration;

/// <summary>
/// The severity presets the package ships (src/PinApi/Package/build/config/PinApi.&lt;mode&gt;.globalconfig, chosen with
/// <c>PinApiAnalysisMode</c>) are generated from the descriptors and must match them: a new or changed rule fails here
/// until the presets are regenerated. To regenerate, run these tests once with <c>PINAPI_UPDATE_PRESETS=1</c>.
/// </summary>
public class PresetTests
{
    private const string UpdateVariable = "PINAPI_UPDATE_PRESETS";

    private static readonly string ConfigDirectory = Path.Combine(TestEnvironment.RepositoryRoot(), "src", "PinApi", "Package", "build", "config");

    private static readonly string[] AllModes = ["recommended", "strict", "migration", "none"];

    public static TheoryData<string> Modes() => new(AllModes);

    [Theory]
    [MemberData(nameof(Modes))]
    public void ThePresetMatchesTheDescriptors(string mode)
    {
        var path = Path.Combine(ConfigDirectory, $"PinApi.{mode}.globalconfig");
        var expected = Render(mode);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"missing {path}");
        var actual = File.ReadAllText(path);
        Assert.True(
            actual == expected,
            $"{path} is out of step with PinApi.Analyzers.Descriptors; run the PresetTests with {UpdateVariable}=1 to regenerate it.\n--- expected ---\n{expected}");
    }

    [Fact]
    public void EveryRuleHasALineInEveryPreset()
    {
        foreach (var mode in AllModes)
        {
            var lines = Severities(File.ReadAllText(Path.Combine(ConfigDirectory, $"PinApi.{mode}.globalconfig")));
            foreach (var descriptor in TestEnvironment.Descriptors())
            {
                Assert.True(lines.ContainsKey(descriptor.Id), $"preset {mode} has no line for {descriptor.Id}");
            }

            Assert.All(lines.Keys, id => Assert.Contains(TestEnvironment.Descriptors(), d => d.Id == id));
        }
    }

    [Fact]
    public void StrictMakesEveryRuleAnErrorAndMigrationKeepsOnlyThePin03Range()
    {
        var strict = Severities(File.ReadAllText(Path.Combine(ConfigDirectory, "PinApi.strict.globalconfig")));
        Assert.All(strict.Values, severity => Assert.Equal("error", severity));
        var migration = Severities(File.ReadAllText(Path.Combine(ConfigDirectory, "PinApi.migration.globalconfig")));
        Assert.Contains(migration, pair => pair.Key == "PIN0301" && pair.Value == "warning");
        Assert.All(migration.Where(pair => !pair.Key.StartsWith("PIN03", StringComparison.Ordinal)), pair => Assert.Equal("none", pair.Value));
        var none = Severities(File.ReadAllText(Path.Combine(ConfigDirectory, "PinApi.none.globalconfig")));
        Assert.All(none.Values, severity => Assert.Equal("none", severity));
    }

    /// <summary>The preset's text: a header, then one commented line per rule, sorted by ID.</summary>
    internal static string Render(string mode)
    {
        var text = new StringBuilder();
        text.Append($"# PinApi severity preset '{mode}': {Summary(mode)}\n");
        text.Append($"# Selected with <PinApiAnalysisMode>{mode}</PinApiAnalysisMode>; a rule's line in an .editorconfig still wins.\n");
        text.Append("# Generated from PinApi.Analyzers.Descriptors by tests/PinApi.Analyzers.Tests/Configuration/PresetTests.cs:\n");
        text.Append($"# after adding or changing a rule, run those tests once with {UpdateVariable}=1.\n");
        text.Append("is_global = true\n");

        // Below a user's own global config (level 0, or 100 for a file named .globalconfig): theirs wins.
        text.Append("global_level = -1\n");
        foreach (var descriptor in TestEnvironment.Descriptors())
        {
            var byDefault = DefaultSeverity(descriptor);
            text.Append($"\n# {descriptor.Id}: {descriptor.Title} ({descriptor.Category}, default {byDefault})\n");
            text.Append($"dotnet_diagnostic.{descriptor.Id}.severity = {Severity(mode, descriptor.Id, byDefault)}\n");
        }

        return text.ToString();
    }

    private static string Summary(string mode) => mode switch
    {
        "recommended" => "each rule at the severity its descriptor declares.",
        "strict" => "every PinApi rule is an error.",
        "migration" => "only the PIN03xx migration rules, at their default severity; every other PinApi rule is off.",
        "none" => "every PinApi rule is off.",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private static string Severity(string mode, string id, string byDefault) => mode switch
    {
        "recommended" => byDefault,
        "strict" => "error",
        "migration" => id.StartsWith("PIN03", StringComparison.Ordinal) ? byDefault : "none",
        _ => "none",
    };

    /// <summary>A descriptor's default severity in .editorconfig words.</summary>
    private static string DefaultSeverity(DiagnosticDescriptor descriptor) => !descriptor.IsEnabledByDefault
        ? "none"
        : descriptor.DefaultSeverity switch
        {
            DiagnosticSeverity.Hidden => "silent",
            DiagnosticSeverity.Info => "suggestion",
            DiagnosticSeverity.Warning => "warning",
            _ => "error",
        };

    private static Dictionary<string, string> Severities(string preset) =>
        preset.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("dotnet_diagnostic.", StringComparison.Ordinal))
            .Select(line => line.Split('='))
            .ToDictionary(
                parts => parts[0].Trim()["dotnet_diagnostic.".Length..^".severity".Length],
                parts => parts[1].Trim());
}
