namespace PinApi.Contracts;

/// <summary>
/// Marks a method that takes page references into its <see cref="Pages"/> argument and returns how many it took
/// (or a negative errno). The analyzers know acquires only through this attribute, so a user's own wrapper marked
/// with it is an acquire everywhere it is called.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AcquiresAttribute : Attribute
{
    public AcquiresAttribute(PageRef kind) => Kind = kind;

    /// <summary>The reference kind the pages carry after a successful call.</summary>
    public PageRef Kind { get; }

    /// <summary>Name of the parameter that receives the references.</summary>
    public string Pages { get; set; } = "pages";

    /// <summary>Name of the parameter holding the requested page count.</summary>
    public string Count { get; set; } = "nrPages";

    /// <summary>Name of the <c>GupFlags</c> parameter, or null when the method takes none.</summary>
    public string? Flags { get; set; } = "flags";

    /// <summary>True for the gup-fast family, which accepts only a subset of the flags (KERNEL.md §3.3).</summary>
    public bool Fast { get; set; }

    /// <summary>True for the <c>*_remote</c> family (seed-era FOLL_LONGTERM + <c>locked</c> refusal, KERNEL.md §4).</summary>
    public bool Remote { get; set; }

    /// <summary>The same-shaped method of the other family (the <c>Pin*</c> twin of a <c>Get*</c> call, and back).</summary>
    public string? Twin { get; set; }
}
