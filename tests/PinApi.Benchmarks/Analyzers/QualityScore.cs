using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PinApi.Benchmarks.Corpus;

namespace PinApi.Benchmarks.Analyzers;

/// <summary>
/// Recall and precision of one tool on a seeded corpus, matched by method: a seeded method with at least one counted
/// diagnostic inside it is found; a method without a seed that has one is a false positive. Precision is over flagged
/// methods (found seeds / all flagged methods), not over diagnostics, so a tool is not rewarded for repeating itself.
/// Diagnostics outside any method body (a field, a class declaration) are not scored; their count is kept.
/// </summary>
public sealed class QualityScore
{
    private QualityScore(string tool)
    {
        Tool = tool;
    }

    public string Tool { get; }

    public Dictionary<SeedKind, (int Seeded, int Found)> ByKind { get; } = [];

    public int Flagged { get; private set; }

    public int FalsePositives { get; private set; }

    public int OutsideMethods { get; private set; }

    public List<MethodTruth> Missed { get; } = [];

    public List<(MethodTruth? Method, string Key, string Ids)> FalsePositiveMethods { get; } = [];

    /// <summary>Counted diagnostics per ID, for the log: what a tool's numbers are made of.</summary>
    public SortedDictionary<string, int> Ids { get; } = new(StringComparer.Ordinal);

    public int Seeded => ByKind.Values.Sum(k => k.Seeded);

    public int Found => ByKind.Values.Sum(k => k.Found);

    public double Recall => Seeded == 0 ? double.NaN : (double)Found / Seeded;

    public double Precision => Flagged == 0 ? double.NaN : (double)(Flagged - FalsePositives) / Flagged;

    public double RecallOf(SeedKind kind) => ByKind.TryGetValue(kind, out var k) && k.Seeded > 0 ? (double)k.Found / k.Seeded : double.NaN;

    /// <summary>
    /// Scores <paramref name="diagnostics"/> against <paramref name="truth"/>. For the twin (<paramref name="twin"/>)
    /// methods are named by <see cref="MethodTruth.TwinMethod"/> and only seeds the twin carries count (a GET/PIN
    /// mismatch has no IDisposable counterpart, so that twin method is correct code).
    /// </summary>
    public static QualityScore Score(string tool, IEnumerable<Diagnostic> diagnostics, IReadOnlyList<MethodTruth> truth, bool twin, Func<Diagnostic, bool> counted)
    {
        var score = new QualityScore(tool);
        var byKey = truth.ToDictionary(m => Key(m.File, m.Type, twin ? m.TwinMethod : m.Method), StringComparer.Ordinal);
        var flagged = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var diagnostic in diagnostics.Where(counted))
        {
            score.Ids[diagnostic.Id] = score.Ids.GetValueOrDefault(diagnostic.Id) + 1;
            var key = MethodKey(diagnostic);
            if (key is null)
            {
                score.OutsideMethods++;
                continue;
            }

            if (!flagged.TryGetValue(key, out var ids))
            {
                flagged[key] = ids = new SortedSet<string>(StringComparer.Ordinal);
            }

            ids.Add(diagnostic.Id);
        }

        foreach (var method in truth)
        {
            var kind = twin && !method.TwinSeeded ? SeedKind.None : method.Kind;
            if (kind == SeedKind.None)
            {
                continue;
            }

            var found = flagged.ContainsKey(Key(method.File, method.Type, twin ? method.TwinMethod : method.Method));
            var (seeded, hits) = score.ByKind.GetValueOrDefault(kind);
            score.ByKind[kind] = (seeded + 1, hits + (found ? 1 : 0));
            if (!found)
            {
                score.Missed.Add(method);
            }
        }

        score.Flagged = flagged.Count;
        foreach (var (key, ids) in flagged)
        {
            byKey.TryGetValue(key, out var method);
            var seeded = method is not null && (twin ? method.TwinSeeded : method.Seeded);
            if (!seeded)
            {
                score.FalsePositives++;
                score.FalsePositiveMethods.Add((method, key, string.Join(",", ids)));
            }
        }

        return score;
    }

    private static string Key(string file, string type, string method) => $"{file}|{type}|{method}";

    /// <summary>The file, type and method a diagnostic's location is inside, or null outside any method body.</summary>
    private static string? MethodKey(Diagnostic diagnostic)
    {
        var location = diagnostic.Location;
        if (!location.IsInSource || location.SourceTree is null)
        {
            return null;
        }

        var node = location.SourceTree.GetRoot().FindNode(location.SourceSpan, getInnermostNodeForTie: true);
        var member = node.AncestorsAndSelf().OfType<BaseMethodDeclarationSyntax>().FirstOrDefault();
        if (member is null)
        {
            return null;
        }

        var name = member switch
        {
            MethodDeclarationSyntax method => method.Identifier.ValueText,
            ConstructorDeclarationSyntax constructor => constructor.Identifier.ValueText,
            _ => member.Kind().ToString(),
        };
        var type = member.Ancestors().OfType<BaseTypeDeclarationSyntax>().FirstOrDefault()?.Identifier.ValueText ?? string.Empty;
        return Key(Path.GetFileName(location.SourceTree.FilePath), type, name);
    }
}
