namespace PinApi;

/// <summary>
/// A page carrying a FOLL_PIN reference (taken by a <c>PinUserPages*</c> call). Only the unpin family accepts it:
/// the type system keeps it away from <c>PutPage</c>.
/// </summary>
public readonly struct PinnedPage : IEquatable<PinnedPage>
{
    internal PinnedPage(Page page) => Page = page;

    /// <summary>The page the pin is on.</summary>
    public Page Page { get; }

    /// <summary>True for an empty slot (no pin).</summary>
    public bool IsNull => Page.IsNull;

    public static bool operator ==(PinnedPage left, PinnedPage right) => left.Equals(right);

    public static bool operator !=(PinnedPage left, PinnedPage right) => !left.Equals(right);

    public bool Equals(PinnedPage other) => Page.Equals(other.Page);

    public override bool Equals(object? obj) => obj is PinnedPage other && Equals(other);

    public override int GetHashCode() => Page.GetHashCode();

    public override string ToString() => $"FOLL_PIN {Page}";
}
