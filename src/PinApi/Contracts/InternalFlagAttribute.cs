namespace PinApi.Contracts;

/// <summary>
/// Marks a <see cref="GupFlags"/> member that only the GUP entry points set (FOLL_GET, FOLL_PIN, FOLL_TOUCH, ...):
/// a caller passing it is refused by <c>is_valid_gup_args()</c> (KERNEL.md §3.3, §10 rules 2 and 3). The analyzers
/// read this attribute instead of a list of names.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class InternalFlagAttribute : Attribute
{
}
