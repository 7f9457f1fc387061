using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers;

/// <summary>What an <c>[Acquires]</c> attribute says about one method, with its named parameters resolved.</summary>
internal sealed class AcquireContract
{
    public AcquireContract(IMethodSymbol method, PageRefKind kind, IParameterSymbol? pages, IParameterSymbol? count, IParameterSymbol? flags, string? twin, bool fast = false, bool remote = false)
    {
        Fast = fast;
        Remote = remote;
        Method = method;
        Kind = kind;
        Pages = pages;
        Count = count;
        Flags = flags;
        Twin = twin;
    }

    public IMethodSymbol Method { get; }

    public PageRefKind Kind { get; }

    /// <summary>The parameter receiving the references; null when the attribute names none that exists.</summary>
    public IParameterSymbol? Pages { get; }

    /// <summary>The parameter holding the requested count.</summary>
    public IParameterSymbol? Count { get; }

    /// <summary>The <c>GupFlags</c> parameter (kept for the FOLL_WRITE / FOLL_LONGTERM rules).</summary>
    public IParameterSymbol? Flags { get; }

    /// <summary>The same-shaped method of the other family.</summary>
    public string? Twin { get; }

    /// <summary>A gup-fast entry point, which accepts only the <c>[AcceptedByFast]</c> flags (PIN0207).</summary>
    public bool Fast { get; }

    /// <summary>A <c>*_remote</c> entry point (PIN0202: FOLL_LONGTERM only without <c>locked</c>).</summary>
    public bool Remote { get; }
}
