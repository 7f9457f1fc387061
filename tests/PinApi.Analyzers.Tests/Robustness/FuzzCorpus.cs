using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PinApi.Analyzers.Tests.Robustness;

/// <summary>
/// The sources the robustness test mutates: every raw-string test source of this project (its rule and fix tests,
/// embedded as resources) and every C# file of samples/.
/// </summary>
internal static class FuzzCorpus
{
    public static IReadOnlyList<(string Name, string Source)> TestSources { get; } = LoadTestSources();

    public static IReadOnlyList<(string Name, string Source)> Samples { get; } = Load("corpus/samples/").ToList();

    private static List<(string Name, string Source)> LoadTestSources()
    {
        var sources = new List<(string, string)>();
        foreach (var (name, text) in Load("corpus/tests/"))
        {
            var root = CSharpSyntaxTree.ParseText(text).GetRoot();
            var index = 0;
            foreach (var token in root.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) && token.ValueText.Contains("class ", StringComparison.Ordinal))
                {
                    sources.Add(($"{name}#{index++}", Infrastructure.TestEnvironment.Usings + StripMarkup(token.ValueText)));
                }
            }
        }

        return sources;
    }

    private static IEnumerable<(string Name, string Source)> Load(string prefix)
    {
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (resource, reader.ReadToEnd());
        }
    }

    /// <summary>Removes the test framework's <c>{|#n:...|}</c> markup, keeping the marked text.</summary>
    private static string StripMarkup(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\{\|#\d+:|\|\}", string.Empty);
}
