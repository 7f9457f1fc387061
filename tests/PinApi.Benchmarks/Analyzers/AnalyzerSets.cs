using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using PinApi.Analyzers;

namespace PinApi.Benchmarks.Analyzers;

/// <summary>
/// The analyzers the benchmarks run: every PinApi analyzer type, found by reflection so a new one gets its own row,
/// and the peers loaded from their shipped DLLs (copied beside the benchmarks under peers/ at build): CA2000 from
/// Microsoft.CodeAnalysis.NetAnalyzers and every analyzer of IDisposableAnalyzers.
/// </summary>
public static class AnalyzerSets
{
    public const string Ca2000 = "CA2000";

    /// <summary>One instance of every concrete C# <see cref="DiagnosticAnalyzer"/> in the PinApi analyzers assembly.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> PinApi()
    {
        var assembly = typeof(OwnershipFlowAnalyzer).Assembly;
        return assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) &&
                        t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    /// <summary>The NetAnalyzers analyzer that reports CA2000 (DisposeObjectsBeforeLosingScope), or null with the reason.</summary>
    public static DiagnosticAnalyzer? Ca2000Analyzer(out string? problem) => NetAnalyzer(Ca2000, out problem);

    /// <summary>The analyzer of Microsoft.CodeAnalysis.NetAnalyzers (the SDK's CA rules) that reports <paramref name="id"/>, or null with the reason.</summary>
    public static DiagnosticAnalyzer? NetAnalyzer(string id, out string? problem)
    {
        var analyzers = Load("netanalyzers", out problem);
        var analyzer = analyzers.FirstOrDefault(a => a.SupportedDiagnostics.Any(d => d.Id == id));
        if (analyzer is null)
        {
            problem ??= $"no analyzer in Microsoft.CodeAnalysis.NetAnalyzers reports {id}";
        }

        return analyzer;
    }

    /// <summary>Every analyzer of IDisposableAnalyzers, or empty with the reason.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> IDisposableAnalyzers(out string? problem) => Load("idisposableanalyzers", out problem);

    /// <summary>The analyzer type's name, as the budget rows show it.</summary>
    public static string Name(DiagnosticAnalyzer analyzer) => analyzer.GetType().Name;

    private static ImmutableArray<DiagnosticAnalyzer> Load(string folder, out string? problem)
    {
        problem = null;
        var directory = Path.Combine(AppContext.BaseDirectory, "peers", folder);
        if (!Directory.Exists(directory))
        {
            problem = $"{directory} is missing (the benchmarks project copies it from the NuGet package at build)";
            return [];
        }

        var loader = new PeerLoader();
        var failures = new List<string>();
        var analyzers = new List<DiagnosticAnalyzer>();
        foreach (var dll in Directory.GetFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            var reference = new AnalyzerFileReference(dll, loader);
            reference.AnalyzerLoadFailed += (_, e) => failures.Add($"{Path.GetFileName(dll)}: {e.Message}");
            analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
        }

        if (analyzers.Count == 0)
        {
            problem = failures.Count > 0 ? string.Join("; ", failures.Take(3)) : $"no C# analyzer found in {directory}";
        }

        return analyzers.ToImmutableArray();
    }

    /// <summary>Loads peer analyzer DLLs into the default context; their dependencies resolve from the same folder.</summary>
    private sealed class PeerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}
