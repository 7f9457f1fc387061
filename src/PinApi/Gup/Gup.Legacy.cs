using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// The pre-series names, renamed by "mm, tree-wide: rename put_user_page*() to unpin_user_page*()" (KERNEL.md §2.5).
/// At run time they do what they did in the seed era, a plain <c>put_page()</c>, so pre-series code (GET + these)
/// runs unchanged. Their contract is what they were renamed to, so the analyzers treat a GET page released here as
/// a mismatch (PIN0002) and offer the rename (PIN0301).
/// </summary>
public static partial class Gup
{
    /// <summary>Seed-era <c>put_user_page()</c>: a plain <c>put_page()</c>. Renamed to <see cref="UnpinUserPage(Page)"/>.</summary>
    [Releases(PageRef.Pin, Pages = "page")]
    [ReplacedBy(nameof(UnpinUserPage))]
    public static void PutUserPage(Page page) => PutLegacy(page, "PutUserPage");

    /// <summary>Seed-era <c>put_user_pages()</c>: <c>put_page()</c> on each. Renamed to <see cref="UnpinUserPages(ReadOnlySpan{Page})"/>.</summary>
    [Releases(PageRef.Pin)]
    [ReplacedBy(nameof(UnpinUserPages))]
    public static void PutUserPages(ReadOnlySpan<Page> pages)
    {
        CheckLegacy(pages, "PutUserPages");
        foreach (var page in pages)
        {
            PutLegacy(page, "PutUserPages");
        }
    }

    /// <summary>
    /// Seed-era <c>put_user_pages_dirty_lock()</c>: <c>set_page_dirty_lock()</c> when <paramref name="makeDirty"/>, then
    /// <c>put_page()</c>. Renamed to <see cref="UnpinUserPagesDirtyLock(ReadOnlySpan{Page}, bool)"/>.
    /// </summary>
    [Releases(PageRef.Pin, Dirties = "makeDirty")]
    [ReplacedBy(nameof(UnpinUserPagesDirtyLock))]
    public static void PutUserPagesDirtyLock(ReadOnlySpan<Page> pages, bool makeDirty)
    {
        CheckLegacy(pages, "PutUserPagesDirtyLock");
        foreach (var page in pages)
        {
            if (makeDirty)
            {
                SetPageDirtyLock(page);
            }

            PutLegacy(page, "PutUserPagesDirtyLock");
        }
    }

    private static void CheckLegacy(ReadOnlySpan<Page> pages, string operation)
    {
        for (var i = 0; i < pages.Length; i++)
        {
            var memory = Owner(pages[i], nameof(pages));
            if (Volatile.Read(ref memory.Frames.RefCount(memory.HeadOf(pages[i].Pfn))) < 1)
            {
                throw new PinStateException($"{operation}: entry {i} holds no reference", pages[i], memory.PinTracker.LastReleaseSite(pages[i].Pfn));
            }
        }
    }

    private static void PutLegacy(Page page, string operation)
    {
        var memory = Owner(page, nameof(page));
        if (memory.PinTracker.Enabled)
        {
            memory.PinTracker.RecordRelease(page, PageRef.Get, operation);
        }

        memory.PutRef(memory.HeadOf(page.Pfn), 1, page, operation);
    }
}
