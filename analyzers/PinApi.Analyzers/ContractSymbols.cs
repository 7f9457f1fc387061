using System.Collections.Concurrent;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PinApi.Analyzers;

/// <summary>
/// The PinApi contract attributes of one compilation, resolved once at compilation start by metadata name (the
/// analyzers never reference the library), plus per-method caches of the contracts read from them. Shared by every
/// action of a compilation, so the caches are concurrent. A method without PinApi attributes may still get a contract
/// from the <c>.editorconfig</c> options (<see cref="ContractOptions"/>); an attribute, where there is one, wins.
/// </summary>
internal sealed class ContractSymbols
{
    private readonly ConcurrentDictionary<IMethodSymbol, AcquireContract?> acquires = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<IMethodSymbol, ReleaseContract?> releases = new(SymbolEqualityComparer.Default);

    private ContractSymbols(Compilation compilation, INamedTypeSymbol acquiresAttribute, INamedTypeSymbol releasesAttribute, ContractOptions options)
    {
        Options = options;
        AcquiresAttribute = acquiresAttribute;
        ReleasesAttribute = releasesAttribute;
        TakesOwnershipAttribute = compilation.GetTypeByMetadataName("PinApi.Contracts.TakesOwnershipAttribute");
        RequiresPinAttribute = compilation.GetTypeByMetadataName("PinApi.Contracts.RequiresPinAttribute");
        PageDataAttribute = compilation.GetTypeByMetadataName("PinApi.Contracts.PageDataAttribute");
        DirtiesPageAttribute = compilation.GetTypeByMetadataName("PinApi.Contracts.DirtiesPageAttribute");
        DirtiesPageLockedAttribute = compilation.GetTypeByMetadataName("PinApi.Contracts.DirtiesPageLockedAttribute");
        PageType = compilation.GetTypeByMetadataName("PinApi.Page");
        LibraryAssembly = acquiresAttribute.ContainingAssembly;
    }

    /// <summary>The acquires and releases declared in .editorconfig for code that cannot carry the attributes.</summary>
    public ContractOptions Options { get; }

    public INamedTypeSymbol AcquiresAttribute { get; }

    public INamedTypeSymbol ReleasesAttribute { get; }

    public INamedTypeSymbol? TakesOwnershipAttribute { get; }

    public INamedTypeSymbol? RequiresPinAttribute { get; }

    public INamedTypeSymbol? PageDataAttribute { get; }

    public INamedTypeSymbol? DirtiesPageAttribute { get; }

    public INamedTypeSymbol? DirtiesPageLockedAttribute { get; }

    public INamedTypeSymbol? PageType { get; }

    /// <summary>The assembly that defines the contracts: its unannotated members are known not to keep references.</summary>
    public IAssemblySymbol LibraryAssembly { get; }

    /// <summary>
    /// Resolves the contract attributes and reads the contract options, or returns null when the compilation does
    /// not reference PinApi.
    /// </summary>
    public static ContractSymbols? TryCreate(Compilation compilation, AnalyzerOptions? options = null)
    {
        var acquires = compilation.GetTypeByMetadataName("PinApi.Contracts.AcquiresAttribute");
        var releases = compilation.GetTypeByMetadataName("PinApi.Contracts.ReleasesAttribute");
        return acquires is null || releases is null
            ? null
            : new ContractSymbols(compilation, acquires, releases, ContractOptions.Read(options, compilation));
    }

    public AcquireContract? GetAcquire(IMethodSymbol method) =>
        acquires.GetOrAdd(method.OriginalDefinition, ReadAcquire);

    public ReleaseContract? GetRelease(IMethodSymbol method) =>
        releases.GetOrAdd(method.OriginalDefinition, ReadRelease);

    public bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute) =>
        attribute is not null && symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    /// <summary>True for <c>Page</c>, <c>GotPage</c>, <c>PinnedPage</c>: a value that names one page reference.</summary>
    public bool IsPageLike(ITypeSymbol? type) =>
        type is INamedTypeSymbol named &&
        (SymbolEqualityComparer.Default.Equals(named, PageType) ||
         (named.IsValueType && SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, LibraryAssembly) &&
          named.GetMembers().OfType<IPropertySymbol>().Any(p => SymbolEqualityComparer.Default.Equals(p.Type, PageType))));

    private AcquireContract? ReadAcquire(IMethodSymbol method)
    {
        var data = Find(method, AcquiresAttribute);
        if (data is null)
        {
            return Options.FindAcquire(method) is { } configured ? ConfiguredAcquire(method, configured) : null;
        }

        return new AcquireContract(
            method,
            KindOf(data),
            Parameter(method, Named(data, "Pages", "pages")),
            Parameter(method, Named(data, "Count", "nrPages")),
            Parameter(method, Named(data, "Flags", "flags")),
            Named(data, "Twin", null),
            NamedFlag(data, "Fast"),
            NamedFlag(data, "Remote"));
    }

    private ReleaseContract? ReadRelease(IMethodSymbol method)
    {
        var data = Find(method, ReleasesAttribute);
        if (data is null)
        {
            return Options.FindRelease(method) is { } configured ? ConfiguredRelease(method, configured) : null;
        }

        return new ReleaseContract(
            method,
            KindOf(data),
            Parameter(method, Named(data, "Pages", "pages")),
            Parameter(method, Named(data, "Count", null)),
            Parameter(method, Named(data, "Dirties", null)),
            Named(data, "Twin", null));
    }

    /// <summary>An acquire declared in .editorconfig: the roles default to the names <c>[Acquires]</c> defaults to.</summary>
    private AcquireContract ConfiguredAcquire(IMethodSymbol method, ConfiguredApi api) =>
        new AcquireContract(
            method,
            api.Kind,
            PagesParameter(method, api.Role("pages", null)),
            Parameter(method, api.Role("count", "nrPages")),
            Parameter(method, api.Role("flags", "flags")),
            api.Role("twin", null));

    /// <summary>A release declared in .editorconfig: the roles default to the names <c>[Releases]</c> defaults to.</summary>
    private ReleaseContract ConfiguredRelease(IMethodSymbol method, ConfiguredApi api) =>
        new ReleaseContract(
            method,
            api.Kind,
            PagesParameter(method, api.Role("pages", null)),
            Parameter(method, api.Role("count", null)),
            Parameter(method, api.Role("dirties", null)),
            api.Role("twin", null));

    /// <summary>
    /// The named pages parameter; unnamed, the one called <c>pages</c>, else the only parameter that holds pages
    /// (a page, or an array or span of them), since code that cannot be annotated rarely uses PinApi's names.
    /// </summary>
    private IParameterSymbol? PagesParameter(IMethodSymbol method, string? name)
    {
        if (name is not null)
        {
            return Parameter(method, name);
        }

        var candidates = method.Parameters.Where(p => IsPageLike(ElementType(p.Type))).ToList();
        return Parameter(method, "pages") ?? (candidates.Count == 1 ? candidates[0] : null);
    }

    private static ITypeSymbol? ElementType(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => array.ElementType,
        INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } generic => generic.TypeArguments[0],
        _ => type,
    };

    private static AttributeData? Find(IMethodSymbol method, INamedTypeSymbol attribute) =>
        method.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    private static PageRefKind KindOf(AttributeData data) =>
        data.ConstructorArguments.Length == 1 && data.ConstructorArguments[0].Value is int value && value == (int)PageRefKind.Pin
            ? PageRefKind.Pin
            : PageRefKind.Get;

    private static string? Named(AttributeData data, string name, string? fallback)
    {
        foreach (var argument in data.NamedArguments)
        {
            if (argument.Key == name)
            {
                return argument.Value.Value as string;
            }
        }

        return fallback;
    }

    private static bool NamedFlag(AttributeData data, string name) =>
        data.NamedArguments.Any(argument => argument.Key == name && argument.Value.Value is true);

    private static IParameterSymbol? Parameter(IMethodSymbol method, string? name) =>
        name is null ? null : method.Parameters.FirstOrDefault(p => p.Name == name);
}
