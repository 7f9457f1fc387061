namespace PinApi.Contracts;

/// <summary>
/// Marks a parameter that keeps the references it is given beyond the call (a registered buffer, a DMA map):
/// passing pages to it hands their release on, and such pins are long-term (FOLL_LONGTERM, KERNEL.md §10 rule 15).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class TakesOwnershipAttribute : Attribute
{
}
