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
}
