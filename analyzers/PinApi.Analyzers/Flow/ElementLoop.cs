using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// A loop whose body releases elements of a page holder one by one (<c>for (i = 0; i &lt; ret; i++)
/// UnpinUserPage(pages[i])</c>, <c>foreach (var pg in pages) PutPage(pg)</c>). Leaving it through its condition means
/// every element was visited: the element-wise releases add up to a whole release, and zero iterations mean
/// nothing was held.
/// </summary>
internal sealed class ElementLoop
{
    public ElementLoop(SyntaxNode loop, SyntaxNode body)
    {
        Loop = loop;
        Body = body;
    }

    public SyntaxNode Loop { get; }

    public SyntaxNode Body { get; }

    public HashSet<ISymbol> Holders { get; } = new(SymbolEqualityComparer.Default);

    /// <summary>The loop's upper bound (<c>i &lt; bound</c>), checked against the acquire's requested count.</summary>
    public IOperation? Bound { get; set; }

    /// <summary>The release called in the body, named in messages.</summary>
    public string Release { get; set; } = string.Empty;

    /// <summary>True when <paramref name="branch"/> is the loop's own condition (or foreach's MoveNext), not a branch of its body.</summary>
    public bool IsHeader(SyntaxNode branch) => Loop.Span.Contains(branch.Span) && !Body.Span.Contains(branch.Span);
}
