namespace PinApi;

/// <summary>How an entry point relates to the mmap lock (KERNEL.md §2.4).</summary>
internal enum GupEntry
{
    /// <summary>get/pin_user_pages and *_remote without <c>locked</c>: the caller holds the lock throughout.</summary>
    Locked,
    /// <summary>*_remote with <c>locked</c>: the caller holds the lock; GUP may drop and retake it.</summary>
    LockedUnlockable,
    /// <summary>*_unlocked: GUP takes the lock itself.</summary>
    Unlocked,
    /// <summary>*_fast: lockless walk, then the locked slow path for the rest.</summary>
    Fast,
    /// <summary>*_fast_only: lockless walk only; may return fewer pages, even 0.</summary>
    FastOnly,
}
