using System.Runtime.InteropServices;

namespace PinApi;

/// <summary>
/// Views a span of <see cref="GotPage"/> or <see cref="PinnedPage"/> as the <see cref="Page"/> slots they wrap.
/// All three are unmanaged 8-byte values with the same layout, so the typed and the kernel-shaped entry points
/// share one implementation with no copying.
/// </summary>
internal static class PageSpans
{
    public static Span<Page> AsPages(Span<GotPage> pages) => MemoryMarshal.Cast<GotPage, Page>(pages);

    public static Span<Page> AsPages(Span<PinnedPage> pages) => MemoryMarshal.Cast<PinnedPage, Page>(pages);

    public static ReadOnlySpan<Page> AsPages(ReadOnlySpan<PinnedPage> pages) => MemoryMarshal.Cast<PinnedPage, Page>(pages);
}
