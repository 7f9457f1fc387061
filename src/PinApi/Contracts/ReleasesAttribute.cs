namespace PinApi.Contracts;

/// <summary>
/// Marks a method that gives page references back. <see cref="Pages"/> names the parameter holding the page (or
/// the pages); <see cref="Count"/>, when set, names the parameter that says how many; <see cref="Dirties"/>, when
/// set, names the <c>bool</c> parameter that decides whether the pages are marked dirty (under the page lock)
/// before they are released.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ReleasesAttribute : Attribute
{
    public ReleasesAttribute(PageRef kind) => Kind = kind;

    /// <summary>The reference kind this method releases.</summary>
    public PageRef Kind { get; }

    /// <summary>Name of the parameter holding the page or pages released.</summary>
    public string Pages { get; set; } = "pages";

    /// <summary>Name of the parameter holding the number of pages released, or null (all of <see cref="Pages"/>).</summary>
    public string? Count { get; set; }

    /// <summary>Name of the <c>bool</c> parameter that makes the release dirty the pages first, or null.</summary>
    public string? Dirties { get; set; }

    /// <summary>The same-shaped release of the other family (<c>PutPage</c> ↔ <c>UnpinUserPage</c>).</summary>
    public string? Twin { get; set; }
}
