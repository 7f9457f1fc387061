namespace PinApi.Contracts;

/// <summary>Marks <c>LockPage</c>: after the call the page lock is held, so <c>SetPageDirty</c> is safe.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class LocksPageAttribute : Attribute
{
}
