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
}
