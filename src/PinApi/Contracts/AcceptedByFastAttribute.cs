namespace PinApi.Contracts;

/// <summary>
/// Marks a <see cref="GupFlags"/> member that the gup-fast entry points accept (<c>gup_fast_fallback</c>'s mask,
/// KERNEL.md §3.3 and §10 rule 20). A public flag without it makes a <c>*Fast</c> call fail with -EINVAL.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class AcceptedByFastAttribute : Attribute
{
}
