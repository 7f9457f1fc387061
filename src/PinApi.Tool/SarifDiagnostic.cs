namespace PinApi.Tool;

/// <summary>One result of a SARIF 2.1 log written by the compiler (<c>-p:ErrorLog=…,version=2.1</c>), flattened to its primary location.</summary>
public sealed record SarifDiagnostic(string RuleId, string Level, string Message, string File, int Line)
{
    public string Site => $"{Path.GetFileName(File)}:{Line}";

    /// <summary>Reads every result of a SARIF 2.1 file, de-duplicated by rule and location.</summary>
    public static IReadOnlyList<SarifDiagnostic> Read(string path) =>
        SarifLog.Read(path).Results
            .Select(r => new SarifDiagnostic(r.RuleId, r.Level, r.Message, r.Location?.File ?? string.Empty, r.Location?.StartLine ?? 0))
            .Distinct()
            .ToList();
}
