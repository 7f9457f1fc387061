using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers;

/// <summary>What an <c>[Acquires]</c> attribute says about one method, with its named parameters resolved.</summary>
internal sealed class AcquireContract
{
    public AcquireContract(IMethodSymbol method, PageRefKind kind, IParameterSymbol? pages, IParameterSymbol? count, IParameterSymbol? flags, string? twin)
    {
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
}
