namespace PinApi.Contracts;

/// <summary>
/// Marks a member that exposes a page's bytes (kmap). Reading or writing through it after the page's reference is
/// released is a use-after-release; writing through it needs a FOLL_WRITE pin (KERNEL.md §10 rules 13, 22).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PageDataAttribute : Attribute
{
}
