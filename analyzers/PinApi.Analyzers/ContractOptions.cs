using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PinApi.Analyzers;

/// <summary>
/// Contracts declared in <c>.editorconfig</c> / <c>.globalconfig</c> for code that cannot carry PinApi's attributes
/// (a vendor assembly, generated code): <c>pinapi.acquire_apis</c> and <c>pinapi.release_apis</c>, each a list of
/// <c>member:kind[:role=parameter]...</c> entries separated by commas. analyzers/CONFIGURATION.md is the reference.
/// A contract is a property of the called method, not of the calling file, so the entries of every file's options
/// and of the global options are merged into one table per compilation. Entries that cannot be read are ignored
/// and kept in <see cref="Errors"/>.
/// </summary>
internal sealed class ContractOptions
{
    public const string AcquireApisKey = "pinapi.acquire_apis";

    public const string ReleaseApisKey = "pinapi.release_apis";

    public static readonly ContractOptions Empty = new(ImmutableArray<ConfiguredApi>.Empty, ImmutableArray<ConfiguredApi>.Empty, ImmutableArray<string>.Empty);

    private static readonly string[] AcquireRoles = { "pages", "count", "flags", "twin" };

    private static readonly string[] ReleaseRoles = { "pages", "count", "dirties", "twin" };

    private readonly ILookup<string, ConfiguredApi> acquiresByName;

    private readonly ILookup<string, ConfiguredApi> releasesByName;

    private ContractOptions(ImmutableArray<ConfiguredApi> acquires, ImmutableArray<ConfiguredApi> releases, ImmutableArray<string> errors)
    {
        Acquires = acquires;
        Releases = releases;
        Errors = errors;
        acquiresByName = acquires.ToLookup(a => a.MethodName, StringComparer.Ordinal);
        releasesByName = releases.ToLookup(a => a.MethodName, StringComparer.Ordinal);
    }

    public ImmutableArray<ConfiguredApi> Acquires { get; }

    public ImmutableArray<ConfiguredApi> Releases { get; }

    /// <summary>Why an entry was ignored, one message per entry.</summary>
    public ImmutableArray<string> Errors { get; }

    public bool IsEmpty => Acquires.IsEmpty && Releases.IsEmpty;

    /// <summary>Reads both keys from the global options and from the options of every syntax tree of the compilation.</summary>
    public static ContractOptions Read(AnalyzerOptions? options, Compilation compilation)
    {
        var provider = options?.AnalyzerConfigOptionsProvider;
        if (provider is null)
        {
            return Empty;
        }

        var acquireValues = new List<string>();
        var releaseValues = new List<string>();
        Collect(provider.GlobalOptions, acquireValues, releaseValues);
        foreach (var tree in compilation.SyntaxTrees)
        {
            Collect(provider.GetOptions(tree), acquireValues, releaseValues);
        }

        return acquireValues.Count == 0 && releaseValues.Count == 0 ? Empty : Parse(acquireValues, releaseValues);
    }

    /// <summary>Parses the values of <c>pinapi.acquire_apis</c> and <c>pinapi.release_apis</c> (each key may have several values).</summary>
    public static ContractOptions Parse(IEnumerable<string> acquireValues, IEnumerable<string> releaseValues)
    {
        var errors = new List<string>();
        var acquires = ParseAll(AcquireApisKey, acquireValues, AcquireRoles, errors);
        var releases = ParseAll(ReleaseApisKey, releaseValues, ReleaseRoles, errors);
        return new ContractOptions(acquires, releases, errors.ToImmutableArray());
    }

    public ConfiguredApi? FindAcquire(IMethodSymbol method) => Find(acquiresByName, method);

    public ConfiguredApi? FindRelease(IMethodSymbol method) => Find(releasesByName, method);

    private static ConfiguredApi? Find(ILookup<string, ConfiguredApi> byName, IMethodSymbol method)
    {
        if (!byName.Contains(method.Name))
        {
            return null;
        }

        foreach (var api in byName[method.Name])
        {
            if (api.Matches(method))
            {
                return api;
            }
        }

        return null;
    }

    private static void Collect(AnalyzerConfigOptions options, List<string> acquireValues, List<string> releaseValues)
    {
        if (options.TryGetValue(AcquireApisKey, out var acquire) && !acquireValues.Contains(acquire))
        {
            acquireValues.Add(acquire);
        }

        if (options.TryGetValue(ReleaseApisKey, out var release) && !releaseValues.Contains(release))
        {
            releaseValues.Add(release);
        }
    }

    private static ImmutableArray<ConfiguredApi> ParseAll(string key, IEnumerable<string> values, string[] roles, List<string> errors)
    {
        var result = ImmutableArray.CreateBuilder<ConfiguredApi>();
        foreach (var value in values)
        {
            foreach (var entry in SplitTopLevel(value))
            {
                var api = ConfiguredApi.TryParse(entry, roles, out var error);
                if (api is null)
                {
                    errors.Add($"{key}: '{entry}' ignored: {error}");
                }
                else if (!result.Contains(api))
                {
                    result.Add(api);
                }
            }
        }

        return result.ToImmutable();
    }

    /// <summary>Splits at the commas outside parentheses, brackets and braces (a documentation ID lists parameters with commas).</summary>
    private static IEnumerable<string> SplitTopLevel(string value)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i == value.Length || (value[i] == ',' && depth == 0))
            {
                var entry = value.Substring(start, i - start).Trim();
                if (entry.Length > 0)
                {
                    yield return entry;
                }

                start = i + 1;
                continue;
            }

            switch (value[i])
            {
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }
    }
}

/// <summary>
/// One entry of <c>pinapi.acquire_apis</c> / <c>pinapi.release_apis</c>: the method it names (every overload, or the
/// one a documentation ID with a parameter list names), the reference kind, and the parameters playing each role.
/// </summary>
internal sealed class ConfiguredApi : IEquatable<ConfiguredApi>
{
    private ConfiguredApi(string text, string typeName, string methodName, string? documentationId, PageRefKind kind, ImmutableDictionary<string, string> roles)
    {
        Text = text;
        TypeName = typeName;
        MethodName = methodName;
        DocumentationId = documentationId;
        Kind = kind;
        Roles = roles;
    }

    /// <summary>The entry as written.</summary>
    public string Text { get; }

    /// <summary>The containing type: a metadata name (<c>Ns.Outer+Inner</c>, <c>Ns.Pool`1</c>) or its documentation-ID form (<c>Ns.Outer.Inner</c>).</summary>
    public string TypeName { get; }

    public string MethodName { get; }

    /// <summary>The method's documentation ID (<c>M:Ns.Type.Method(System.Int32)</c>) when the entry names one overload.</summary>
    public string? DocumentationId { get; }

    public PageRefKind Kind { get; }

    /// <summary>Role (<c>pages</c>, <c>count</c>, <c>flags</c>, <c>dirties</c>, <c>twin</c>) to parameter or method name.</summary>
    public ImmutableDictionary<string, string> Roles { get; }

    public string? Role(string role, string? fallback) => Roles.TryGetValue(role, out var name) ? name : fallback;

    public bool Matches(IMethodSymbol method)
    {
        method = method.OriginalDefinition;
        if (method.Name != MethodName || method.ContainingType is not { } type)
        {
            return false;
        }

        if (DocumentationId is not null)
        {
            return string.Equals(WithoutReturnType(DocumentationCommentId.CreateDeclarationId(method)), DocumentationId, StringComparison.Ordinal);
        }

        return string.Equals(MetadataName(type), TypeName, StringComparison.Ordinal) ||
               string.Equals(DocumentationCommentId.CreateDeclarationId(type), "T:" + TypeName, StringComparison.Ordinal);
    }

    /// <summary>Parses <c>[M:]Ns.Type.Method[(parameter types)]:get|pin[:role=name]...</c>.</summary>
    public static ConfiguredApi? TryParse(string entry, string[] roles, out string error)
    {
        var text = entry.Trim();
        var body = text.StartsWith("M:", StringComparison.Ordinal) ? text.Substring(2) : text;
        var open = body.IndexOf('(');
        var close = open < 0 ? -1 : body.IndexOf(')', open);
        if (open >= 0 && close < 0)
        {
            error = "the parameter list is not closed";
            return null;
        }

        // The member ends at its parameter list, or at the first ':' (documentation IDs contain no other ':').
        var colon = body.IndexOf(':');
        var memberEnd = close >= 0 ? close + 1 : colon >= 0 ? colon : body.Length;
        if (close >= 0 && memberEnd < body.Length && body[memberEnd] == '~')
        {
            var afterReturnType = body.IndexOf(':', memberEnd);
            memberEnd = afterReturnType >= 0 ? afterReturnType : body.Length;
        }

        var member = body.Substring(0, memberEnd).Trim();
        var rest = body.Substring(memberEnd).Trim();
        var name = open >= 0 ? member.Substring(0, open).Trim() : member;
        var dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1 || name.IndexOfAny(new[] { ' ', ':', '=' }) >= 0)
        {
            error = "the member must be written Namespace.Type.Method (a metadata name) or as a documentation ID";
            return null;
        }

        var parts = rest.Length == 0 ? Array.Empty<string>() : rest.TrimStart(':').Split(':');
        if (rest.Length == 0 || rest[0] != ':' || parts.Length == 0)
        {
            error = "a kind is required: add :get or :pin";
            return null;
        }

        PageRefKind kind;
        switch (parts[0].Trim().ToLowerInvariant())
        {
            case "get":
                kind = PageRefKind.Get;
                break;
            case "pin":
                kind = PageRefKind.Pin;
                break;
            default:
                error = $"the kind '{parts[0].Trim()}' is neither get nor pin";
                return null;
        }

        var roleMap = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=');
            var role = equals < 0 ? part.Trim() : part.Substring(0, equals).Trim().ToLowerInvariant();
            var value = equals < 0 ? string.Empty : part.Substring(equals + 1).Trim();
            if (Array.IndexOf(roles, role) < 0 || value.Length == 0)
            {
                error = $"'{part.Trim()}' is not role=name with a role among {string.Join(", ", roles)}";
                return null;
            }

            roleMap[role] = value;
        }

        // A generic method's documentation ID says M``1; the symbol's Name, which the lookup uses, is M.
        var methodName = name.Substring(dot + 1);
        var arity = methodName.IndexOf("``", StringComparison.Ordinal);
        error = string.Empty;
        return new ConfiguredApi(
            text,
            name.Substring(0, dot),
            arity > 0 ? methodName.Substring(0, arity) : methodName,
            open >= 0 ? WithoutReturnType("M:" + member) : null,
            kind,
            roleMap.ToImmutable());
    }

    public bool Equals(ConfiguredApi? other) => other is not null && other.Text == Text;

    public override bool Equals(object? obj) => Equals(obj as ConfiguredApi);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    public override string ToString() => Text;

    /// <summary>Roslyn may end a method's ID with <c>~ReturnType</c>; C# overloads never differ by it, so it is not compared.</summary>
    private static string? WithoutReturnType(string? id) =>
        id is not null && id.IndexOf('~') is var tilde && tilde > 0 ? id.Substring(0, tilde) : id;

    /// <summary><c>Ns.Outer+Inner`1</c>: the name <c>Compilation.GetTypeByMetadataName</c> takes.</summary>
    private static string MetadataName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
            type = outer;
        }

        var ns = type.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? name : ns.ToDisplayString() + "." + name;
    }
}
