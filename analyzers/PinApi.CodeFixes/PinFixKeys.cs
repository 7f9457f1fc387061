namespace PinApi.CodeFixes;

/// <summary>The equivalence keys of PinApi's code actions: FixAll groups by them and tests select actions with them.</summary>
public static class PinFixKeys
{
    /// <summary>PIN0001: release the FOLL_PIN reference with the unpin twin of the GET release.</summary>
    public const string UseUnpin = "PIN0001.UseUnpin";

    /// <summary>PIN0002: release the FOLL_GET reference with the GET twin of the unpin.</summary>
    public const string UsePutPage = "PIN0002.UsePutPage";

    /// <summary>PIN0002: convert the acquire to its Pin* twin and every GET release of it to the unpin family.</summary>
    public const string ConvertAcquireToPin = "PIN0002.ConvertAcquireToPin";

    /// <summary>PIN0006: release the count the acquire returned instead of the count it was asked for.</summary>
    public const string ReleaseReturnedCount = "PIN0006.ReleaseReturnedCount";

    /// <summary>PIN0301: rename a [ReplacedBy] API to its replacement.</summary>
    public const string RenameReplacedApi = "PIN0301.RenameReplacedApi";

    /// <summary>PIN0101: dirty the pages on release (a dirtying release, makeDirty: true, or SetPageDirtyLock first).</summary>
    public const string DirtyOnRelease = "PIN0101.DirtyOnRelease";

    /// <summary>PIN0102: call the page-locking dirtying method instead of raw SetPageDirty.</summary>
    public const string UseSetPageDirtyLock = "PIN0102.UseSetPageDirtyLock";

    /// <summary>PIN0103/PIN0104: add GupFlags.Write to the acquire's flags.</summary>
    public const string AddWriteFlag = "PIN0103.AddWrite";

    /// <summary>PIN0206: add GupFlags.Longterm to the acquire's flags.</summary>
    public const string AddLongtermFlag = "PIN0206.AddLongterm";

    /// <summary>PIN0204: remove GupFlags.Longterm from the acquire's flags.</summary>
    public const string RemoveLongtermFlag = "PIN0204.RemoveLongterm";

    /// <summary>PIN0203: remove the internal flags from the acquire's flags.</summary>
    public const string RemoveInternalFlags = "PIN0203.RemoveInternalFlags";

    /// <summary>PIN0202: call the remote overload without the locked argument.</summary>
    public const string DropLocked = "PIN0202.DropLocked";
}
