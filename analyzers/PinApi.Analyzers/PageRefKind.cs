namespace PinApi.Analyzers;

/// <summary>Mirror of <c>PinApi.Contracts.PageRef</c>: the analyzers read the enum's value from attribute data.</summary>
internal enum PageRefKind
{
    Get = 0,
    Pin = 1,
}
