using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers.Flow;

/// <summary>The diagnostics one method's analysis produced, one per rule and location (the replay pass may see a site twice).</summary>
internal sealed class FlowReport
{
    private readonly Dictionary<(string Id, SyntaxTree? Tree, int Start, int Length), Diagnostic> diagnostics = new();

    public IEnumerable<Diagnostic> Diagnostics => diagnostics.Values;

    public void Add(Diagnostic diagnostic)
    {
        var key = (diagnostic.Id, diagnostic.Location.SourceTree, diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        if (!diagnostics.ContainsKey(key))
        {
            diagnostics[key] = diagnostic;
        }
    }
}
