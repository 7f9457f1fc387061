using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PinApi;

/// <summary>
/// Views a span of <see cref="GotPage"/> or <see cref="PinnedPage"/> as the <see cref="Page"/> slots they wrap.
/// Both are single-field wrappers of <see cref="Page"/>, so the layouts are identical; this lets the typed and the
/// kernel-shaped entry points share one implementation with no copying.
/// </summary>
internal static class PageSpans
{
    public static Span<Page> AsPages(Span<GotPage> pages) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<GotPage, Page>(ref MemoryMarshal.GetReference(pages)), pages.Length);

    public static Span<Page> AsPages(Span<PinnedPage> pages) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<PinnedPage, Page>(ref MemoryMarshal.GetReference(pages)), pages.Length);

    public static ReadOnlySpan<Page> AsPages(ReadOnlySpan<PinnedPage> pages) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<PinnedPage, Page>(ref MemoryMarshal.GetReference(pages)), pages.Length);
}
