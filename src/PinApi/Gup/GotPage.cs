namespace PinApi;

/// <summary>
/// A page carrying a FOLL_GET reference (taken by a <c>GetUserPages*</c> call). Only <c>Gup.PutPage</c> accepts it:
/// the type system keeps it away from the unpin family.
/// </summary>
public readonly struct GotPage : IEquatable<GotPage>
{
    internal GotPage(Page page) => Page = page;

    /// <summary>The page the reference is on.</summary>
    public Page Page { get; }

    /// <summary>True for an empty slot (no reference).</summary>
    public bool IsNull => Page.IsNull;

    public static bool operator ==(GotPage left, GotPage right) => left.Equals(right);

    public static bool operator !=(GotPage left, GotPage right) => !left.Equals(right);

    public bool Equals(GotPage other) => Page.Equals(other.Page);

    public override bool Equals(object? obj) => obj is GotPage other && Equals(other);

    public override int GetHashCode() => Page.GetHashCode();

    public override string ToString() => $"FOLL_GET {Page}";
}
