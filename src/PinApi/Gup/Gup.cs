using PinApi.Contracts;

namespace PinApi;

/// <summary>
/// The GUP entry points under their kernel names in PascalCase (KERNEL.md §2). Every acquire exists in two shapes:
/// <c>Span&lt;Page&gt;</c>, as ported kernel code writes it, and <c>Span&lt;GotPage&gt;</c> / <c>Span&lt;PinnedPage&gt;</c>,
/// where the compiler keeps FOLL_GET and FOLL_PIN references apart. Acquires return how many pages they took
/// (possibly fewer than asked: release exactly that many) or a negative <see cref="Errno"/>.
/// The attributes are the contract the PinApi analyzers read.
/// </summary>
public static partial class Gup
{
    private static bool noLocked;

    // ----- FOLL_GET family -----

    /// <summary><c>get_user_pages()</c>: the caller holds the mmap lock.</summary>
    [Acquires(PageRef.Get, Twin = nameof(PinUserPages))]
    public static long GetUserPages(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Touch, GupEntry.Locked, ref noLocked, hasLocked: false);

    /// <summary><c>get_user_pages()</c> returning typed FOLL_GET references.</summary>
    [Acquires(PageRef.Get, Twin = nameof(PinUserPages))]
    public static long GetUserPages(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<GotPage> pages) =>
        GetUserPages(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary><c>get_user_pages(…, pages = NULL)</c>: faults the range in and takes no reference.</summary>
    public static long GetUserPages(AddressSpace mm, ulong start, long nrPages, GupFlags flags) =>
        GupEngine.Acquire(mm, start, nrPages, flags, default, hasPages: false, GupFlags.Touch, GupEntry.Locked, ref noLocked, hasLocked: false);

    /// <summary><c>get_user_pages_fast()</c>: lockless, falls back to the slow path; must not hold the mmap lock.</summary>
    [Acquires(PageRef.Get, Fast = true, Twin = nameof(PinUserPagesFast))]
    public static int GetUserPagesFast(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<Page> pages) =>
        (int)GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Get, GupEntry.Fast, ref noLocked, hasLocked: false);

    /// <summary><c>get_user_pages_fast()</c> returning typed FOLL_GET references.</summary>
    [Acquires(PageRef.Get, Fast = true, Twin = nameof(PinUserPagesFast))]
    public static int GetUserPagesFast(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<GotPage> pages) =>
        GetUserPagesFast(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary><c>get_user_pages_fast_only()</c>: never takes the lock or faults; may return fewer pages, even 0.</summary>
    [Acquires(PageRef.Get, Fast = true, Twin = nameof(PinUserPagesFastOnly))]
    public static int GetUserPagesFastOnly(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<Page> pages) =>
        (int)GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Get | GupFlags.FastOnly, GupEntry.FastOnly, ref noLocked, hasLocked: false);

    /// <summary><c>get_user_pages_fast_only()</c> returning typed FOLL_GET references.</summary>
    [Acquires(PageRef.Get, Fast = true, Twin = nameof(PinUserPagesFastOnly))]
    public static int GetUserPagesFastOnly(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<GotPage> pages) =>
        GetUserPagesFastOnly(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary><c>get_user_pages_remote(mm, …, locked = NULL)</c>: the caller holds <paramref name="mm"/>'s mmap lock.</summary>
    [Acquires(PageRef.Get, Remote = true, Twin = nameof(PinUserPagesRemote))]
    public static long GetUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Touch | GupFlags.Remote, GupEntry.Locked, ref noLocked, hasLocked: false);

    /// <summary><c>get_user_pages_remote()</c> returning typed FOLL_GET references.</summary>
    [Acquires(PageRef.Get, Remote = true, Twin = nameof(PinUserPagesRemote))]
    public static long GetUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<GotPage> pages) =>
        GetUserPagesRemote(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary>
    /// <c>get_user_pages_remote(mm, …, &amp;locked)</c>: <paramref name="locked"/> must be true on entry; GUP may drop the
    /// lock to read pages in and retakes it; the caller unlocks only if <paramref name="locked"/> is still true.
    /// </summary>
    [Acquires(PageRef.Get, Remote = true, Twin = nameof(PinUserPagesRemote))]
    public static long GetUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages, ref bool locked) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Touch | GupFlags.Remote, GupEntry.LockedUnlockable, ref locked, hasLocked: true);

    /// <summary><c>get_user_pages_remote(…, &amp;locked)</c> returning typed FOLL_GET references.</summary>
    [Acquires(PageRef.Get, Remote = true, Twin = nameof(PinUserPagesRemote))]
    public static long GetUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<GotPage> pages, ref bool locked) =>
        GetUserPagesRemote(mm, start, nrPages, flags, PageSpans.AsPages(pages), ref locked);

    /// <summary><c>get_user_pages_unlocked()</c>: takes the mmap lock itself.</summary>
    [Acquires(PageRef.Get, Twin = nameof(PinUserPagesUnlocked))]
    public static long GetUserPagesUnlocked(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Touch | GupFlags.Unlockable, GupEntry.Unlocked, ref noLocked, hasLocked: false);

    /// <summary><c>get_user_pages_unlocked()</c> returning typed FOLL_GET references.</summary>
    [Acquires(PageRef.Get, Twin = nameof(PinUserPagesUnlocked))]
    public static long GetUserPagesUnlocked(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<GotPage> pages) =>
        GetUserPagesUnlocked(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    // ----- FOLL_PIN family -----

    /// <summary><c>pin_user_pages()</c>: the caller holds the mmap lock. Release with the unpin family.</summary>
    [Acquires(PageRef.Pin, Twin = nameof(GetUserPages))]
    public static long PinUserPages(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Pin, GupEntry.Locked, ref noLocked, hasLocked: false);

    /// <summary><c>pin_user_pages()</c> returning typed FOLL_PIN references.</summary>
    [Acquires(PageRef.Pin, Twin = nameof(GetUserPages))]
    public static long PinUserPages(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<PinnedPage> pages) =>
        PinUserPages(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary><c>pin_user_pages_fast()</c>: lockless, falls back to the slow path; must not hold the mmap lock.</summary>
    [Acquires(PageRef.Pin, Fast = true, Twin = nameof(GetUserPagesFast))]
    public static int PinUserPagesFast(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<Page> pages) =>
        (int)GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Pin, GupEntry.Fast, ref noLocked, hasLocked: false);

    /// <summary><c>pin_user_pages_fast()</c> returning typed FOLL_PIN references.</summary>
    [Acquires(PageRef.Pin, Fast = true, Twin = nameof(GetUserPagesFast))]
    public static int PinUserPagesFast(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<PinnedPage> pages) =>
        PinUserPagesFast(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary><c>pin_user_pages_fast_only()</c> (~v5.8–v6.3): never takes the lock or faults; may return 0.</summary>
    [Acquires(PageRef.Pin, Fast = true, Twin = nameof(GetUserPagesFastOnly))]
    public static int PinUserPagesFastOnly(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<Page> pages) =>
        (int)GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Pin | GupFlags.FastOnly, GupEntry.FastOnly, ref noLocked, hasLocked: false);

    /// <summary><c>pin_user_pages_fast_only()</c> returning typed FOLL_PIN references.</summary>
    [Acquires(PageRef.Pin, Fast = true, Twin = nameof(GetUserPagesFastOnly))]
    public static int PinUserPagesFastOnly(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<PinnedPage> pages) =>
        PinUserPagesFastOnly(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary><c>pin_user_pages_remote(mm, …, locked = NULL)</c>: the caller holds <paramref name="mm"/>'s mmap lock.</summary>
    [Acquires(PageRef.Pin, Remote = true, Twin = nameof(GetUserPagesRemote))]
    public static long PinUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Pin | GupFlags.Touch | GupFlags.Remote, GupEntry.Locked, ref noLocked, hasLocked: false);

    /// <summary><c>pin_user_pages_remote()</c> returning typed FOLL_PIN references.</summary>
    [Acquires(PageRef.Pin, Remote = true, Twin = nameof(GetUserPagesRemote))]
    public static long PinUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<PinnedPage> pages) =>
        PinUserPagesRemote(mm, start, nrPages, flags, PageSpans.AsPages(pages));

    /// <summary>
    /// <c>pin_user_pages_remote(mm, …, &amp;locked)</c>. With FOLL_LONGTERM it is refused (-EINVAL), the seed-era rule of
    /// "mm: fix get_user_pages_remote()'s handling of FOLL_LONGTERM" (KERNEL.md §4).
    /// </summary>
    [Acquires(PageRef.Pin, Remote = true, Twin = nameof(GetUserPagesRemote))]
    public static long PinUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages, ref bool locked) =>
        (flags & GupFlags.Longterm) != 0
            ? -(int)Errno.EINVAL
            : GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Pin | GupFlags.Touch | GupFlags.Remote, GupEntry.LockedUnlockable, ref locked, hasLocked: true);

    /// <summary><c>pin_user_pages_remote(…, &amp;locked)</c> returning typed FOLL_PIN references.</summary>
    [Acquires(PageRef.Pin, Remote = true, Twin = nameof(GetUserPagesRemote))]
    public static long PinUserPagesRemote(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<PinnedPage> pages, ref bool locked) =>
        PinUserPagesRemote(mm, start, nrPages, flags, PageSpans.AsPages(pages), ref locked);

    /// <summary><c>pin_user_pages_unlocked()</c>: takes the mmap lock itself.</summary>
    [Acquires(PageRef.Pin, Twin = nameof(GetUserPagesUnlocked))]
    public static long PinUserPagesUnlocked(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<Page> pages) =>
        GupEngine.Acquire(mm, start, nrPages, flags, pages, hasPages: true, GupFlags.Pin | GupFlags.Touch | GupFlags.Unlockable, GupEntry.Unlocked, ref noLocked, hasLocked: false);

    /// <summary><c>pin_user_pages_unlocked()</c> returning typed FOLL_PIN references.</summary>
    [Acquires(PageRef.Pin, Twin = nameof(GetUserPagesUnlocked))]
    public static long PinUserPagesUnlocked(AddressSpace mm, ulong start, long nrPages, GupFlags flags, Span<PinnedPage> pages) =>
        PinUserPagesUnlocked(mm, start, nrPages, flags, PageSpans.AsPages(pages));
}
