using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers;

/// <summary>What a <c>[Releases]</c> attribute says about one method, with its named parameters resolved.</summary>
internal sealed class ReleaseContract
{
    public ReleaseContract(IMethodSymbol method, PageRefKind kind, IParameterSymbol? pages, IParameterSymbol? count, IParameterSymbol? dirties, string? twin)
    {
        Method = method;
        Kind = kind;
        Pages = pages;
        Count = count;
        Dirties = dirties;
        Twin = twin;
    }

    public IMethodSymbol Method { get; }

    public PageRefKind Kind { get; }

    public IParameterSymbol? Pages { get; }

    public IParameterSymbol? Count { get; }

    public IParameterSymbol? Dirties { get; }

    /// <summary>The same-shaped release of the other family, when the attribute names one.</summary>
    public string? Twin { get; }
}
