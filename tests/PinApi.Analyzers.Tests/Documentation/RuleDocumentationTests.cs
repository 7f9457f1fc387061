using System.Reflection;
using Microsoft.CodeAnalysis;
using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PinApi.Analyzers.Tests.Documentation;

/// <summary>The descriptor table, the doc pages and the README index stay in step: a rule without its page fails here.</summary>
public class RuleDocumentationTests
{
    private static readonly string DocsDirectory = Path.Combine(TestEnvironment.RepositoryRoot(), "analyzers", "docs");

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in TestEnvironment.Descriptors())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void EveryRuleHasItsPageAndIndexRow(string id)
    {
        var descriptor = TestEnvironment.Descriptors().Single(d => d.Id == id);
        Assert.Equal(PinApi.Analyzers.Descriptors.HelpLinkBase + id + ".md", descriptor.HelpLinkUri);
        var page = Path.Combine(DocsDirectory, id + ".md");
        Assert.True(File.Exists(page), $"missing {page}");
        Assert.StartsWith($"# {id}: {descriptor.Title}", File.ReadAllText(page), StringComparison.Ordinal);
        var readme = File.ReadAllText(Path.Combine(DocsDirectory, "README.md"));
        var row = $"| [{id}]({id}.md) | {descriptor.Title} | {descriptor.Category} | {descriptor.DefaultSeverity.ToString().ToLowerInvariant()} |";
        Assert.Contains(row, readme, StringComparison.Ordinal);

        // The "Code fix" column says "—" exactly when no code fix provider of PinApi.CodeFixes fixes the rule.
        var line = readme.Split('\n').Single(l => l.StartsWith(row, StringComparison.Ordinal));
        var fixColumn = line.Substring(row.Length).Split('|')[0].Trim();
        var fixable = typeof(PinApi.CodeFixes.PinFixKeys).Assembly.GetTypes()
            .Where(t => typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider)Activator.CreateInstance(t)!)
            .Any(provider => provider.FixableDiagnosticIds.Contains(id));
        Assert.Equal(fixable, !fixColumn.StartsWith("—", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryDescriptorIsSupportedByAnAnalyzer()
    {
        var supported = TestEnvironment.AllAnalyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
        Assert.All(TestEnvironment.Descriptors(), d => Assert.Contains(d.Id, supported));
    }
}
