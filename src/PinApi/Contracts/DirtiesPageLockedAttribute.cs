namespace PinApi.Contracts;

/// <summary>Marks <c>SetPageDirtyLock</c>: marks a page dirty under the page lock, the safe choice for GUP pages.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DirtiesPageLockedAttribute : Attribute
{
}
