namespace PinApi.Samples.Legacy;

/// <summary>PAGE_SIZE, PAGE_MASK and friends, as the kernel sources use them.</summary>
internal static class PageMath
{
    public const int PageSize = PhysicalMemory.PageSize;
    public const int PageShift = PhysicalMemory.PageShift;
    public const ulong PageMask = ~(ulong)(PageSize - 1);

    /// <summary>PAGE_ALIGN().</summary>
    public static ulong PageAlign(ulong address) => (address + PageSize - 1) & PageMask;

    /// <summary>Pages spanned by [address, address + length).</summary>
    public static long NumPages(ulong address, ulong length) => (long)((PageAlign(address + length) - (address & PageMask)) >> PageShift);
}
