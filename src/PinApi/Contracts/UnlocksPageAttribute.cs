namespace PinApi.Contracts;

/// <summary>Marks <c>UnlockPage</c>: releases the page lock taken by a <see cref="LocksPageAttribute"/> method.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class UnlocksPageAttribute : Attribute
{
}
