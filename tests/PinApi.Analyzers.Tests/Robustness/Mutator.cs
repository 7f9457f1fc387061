using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PinApi.Analyzers.Tests.Robustness;

/// <summary>Deterministic mutants of a source: truncations, deleted tokens and swapped arguments.</summary>
internal static class Mutator
{
    public static IEnumerable<(string Kind, string Text)> Mutants(string source, int seed, int truncations, int deletions, int swaps)
    {
        var random = new Random(seed);
        for (var i = 1; i <= truncations; i++)
        {
            // Evenly spread cut points, jittered so different sources are cut inside different constructs.
            var at = Math.Clamp((int)((long)source.Length * i / (truncations + 1)) + random.Next(-20, 20), 0, source.Length);
            yield return ($"truncate@{at}", source.Substring(0, at));
        }

        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        var tokens = root.DescendantTokens().ToList();
        for (var i = 0; i < deletions && tokens.Count > 0; i++)
        {
            var token = tokens[random.Next(tokens.Count)];
            yield return ($"delete '{token.Text}'@{token.SpanStart}", source.Remove(token.SpanStart, token.Span.Length));
        }

        var argumentLists = root.DescendantNodes().OfType<ArgumentListSyntax>().Where(list => list.Arguments.Count >= 2).ToList();
        for (var i = 0; i < swaps && argumentLists.Count > 0; i++)
        {
            var list = argumentLists[random.Next(argumentLists.Count)];
            var a = random.Next(list.Arguments.Count);
            var b = (a + 1 + random.Next(list.Arguments.Count - 1)) % list.Arguments.Count;
            var arguments = list.Arguments;
            var reordered = arguments.Select((argument, index) =>
                index == a ? arguments[b].WithTriviaFrom(argument) : index == b ? arguments[a].WithTriviaFrom(argument) : argument);
            var swapped = list.WithArguments(SyntaxFactory.SeparatedList(reordered, arguments.GetSeparators()));
            yield return ($"swap {a}<->{b}@{list.SpanStart}", root.ReplaceNode(list, swapped).ToFullString());
        }
    }
}
