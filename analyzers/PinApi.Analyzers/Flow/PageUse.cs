namespace PinApi.Analyzers.Flow;

/// <summary>What an operation does with the pages it is given, as far as the dirtying and FOLL_WRITE rules care.</summary>
internal enum PageUse
{
    /// <summary>Reads the page data, or anything else that needs a live reference.</summary>
    Read,

    /// <summary>Writes page data through a <c>[PageData]</c> member (kmap + memcpy).</summary>
    DataWrite,

    /// <summary>Hands the pages to a device that only reads them (<c>[RequiresPin(DeviceWrites = false)]</c>).</summary>
    DeviceRead,

    /// <summary>Hands the pages to a device that writes them (<c>[RequiresPin]</c>, DMA_FROM_DEVICE).</summary>
    DeviceWrite,

    /// <summary><c>[DirtiesPage]</c>: SetPageDirty, without the page lock.</summary>
    DirtyRaw,

    /// <summary><c>[DirtiesPageLocked]</c>: SetPageDirtyLock.</summary>
    DirtyLocked,

    /// <summary><c>[LocksPage]</c>.</summary>
    Lock,

    /// <summary><c>[UnlocksPage]</c>.</summary>
    Unlock,
}
