namespace PinApi.Contracts;

/// <summary>Marks <c>SetPageDirty</c>: marks a page dirty without taking the page lock (racy on GUP pages, KERNEL.md §6).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DirtiesPageAttribute : Attribute
{
}
