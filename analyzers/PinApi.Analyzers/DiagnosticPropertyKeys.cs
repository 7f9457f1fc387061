namespace PinApi.Analyzers;

/// <summary>
/// The <see cref="Microsoft.CodeAnalysis.Diagnostic.Properties"/> keys the analyzers fill for the code fixes, so the
/// fixers never redo the analysis. Shared by both assemblies so the two sides cannot drift apart.
/// </summary>
public static class DiagnosticPropertyKeys
{
    /// <summary>PIN0001/PIN0002: the method name that replaces the flagged release; PIN0301: the [ReplacedBy] name.</summary>
    public const string Replacement = "Replacement";

    /// <summary>PIN0002: the acquire's twin of the other family; additional location 0 is the acquire.</summary>
    public const string AcquireTwin = "AcquireTwin";

    /// <summary>PIN0002: the twins of the GET releases listed as additional locations 1..n, joined by ';'.</summary>
    public const string ReleaseTwins = "ReleaseTwins";

    /// <summary>PIN0006: the local holding the returned count.</summary>
    public const string ReturnedCount = "ReturnedCount";

    /// <summary>PIN0006: the type to cast the returned count to, or empty.</summary>
    public const string Cast = "Cast";

    /// <summary>PIN0301: "true" when the replacement exists with the same parameters, so a rename keeps compiling.</summary>
    public const string Renamable = "Renamable";

    /// <summary>PIN0101: the release of the same family with a makeDirty parameter, to call with <c>true</c>.</summary>
    public const string DirtyingRelease = "DirtyingRelease";

    /// <summary>PIN0101: the <c>[DirtiesPageLocked]</c> method to call on the page before its release.</summary>
    public const string DirtyBefore = "DirtyBefore";

    /// <summary>PIN0101: "true" when the release's makeDirty argument is a constant false (additional location 1).</summary>
    public const string MakeDirtyFalse = "MakeDirtyFalse";

    /// <summary>PIN0103/PIN0104/PIN0206: the flags member to add to the flags argument (additional location 1).</summary>
    public const string AddFlag = "AddFlag";

    /// <summary>PIN0203/PIN0204: the flags members to remove from the flags argument (additional location 1), joined by ';'.</summary>
    public const string RemoveFlags = "RemoveFlags";

    /// <summary>PIN0202: "true" when an overload without the locked argument (additional location 1) exists.</summary>
    public const string DropArgument = "DropArgument";
}
