using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace PinApi.Analyzers.Tests.Infrastructure;

/// <summary>An analyzer test that runs every PinApi analyzer over a source compiled against PinApi.dll.</summary>
internal sealed class PinAnalyzerTest : CSharpAnalyzerTest<OwnershipFlowAnalyzer, DefaultVerifier>
{
    public PinAnalyzerTest(string source, params DiagnosticResult[] expected)
    {
        ReferenceAssemblies = TestEnvironment.Net10;
        TestState.AdditionalReferences.Add(TestEnvironment.PinApiReference);
        TestCode = TestEnvironment.Usings + source;
        ExpectedDiagnostics.AddRange(expected);
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => TestEnvironment.AllAnalyzers;

    /// <summary>Runs the analyzers and compares the diagnostics with <paramref name="expected"/> exactly.</summary>
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) => new PinAnalyzerTest(source, expected).RunAsync();

    /// <summary>An expected diagnostic of <paramref name="id"/> at markup location 0, additional locations not compared.</summary>
    public static DiagnosticResult Diagnostic(string id) => Diagnostic(id, 0);

    /// <summary>An expected diagnostic of <paramref name="id"/> at markup location <paramref name="markup"/>, additional locations not compared.</summary>
    public static DiagnosticResult Diagnostic(string id, int markup) =>
        new DiagnosticResult(id, Severity(id)).WithLocation(markup).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    /// <summary>An expected diagnostic at an explicit span (for sources without markup, such as a fixed state).</summary>
    public static DiagnosticResult DiagnosticAt(string id, int line, int column, int endColumn) =>
        new DiagnosticResult(id, Severity(id)).WithSpan(line, column, line, endColumn).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    /// <summary>An expected diagnostic whose additional locations are markup locations 1..n, compared in order.</summary>
    public static DiagnosticResult DiagnosticWithPath(string id, int additional)
    {
        var result = new DiagnosticResult(id, Severity(id)).WithLocation(0);
        for (var i = 1; i <= additional; i++)
        {
            result = result.WithLocation(i);
        }

        return result;
    }

    private static Microsoft.CodeAnalysis.DiagnosticSeverity Severity(string id) => id switch
    {
        "PIN0001" or "PIN0002" or "PIN0007" or "PIN0201" or "PIN0202" or "PIN0203" or "PIN0207" => Microsoft.CodeAnalysis.DiagnosticSeverity.Error,
        "PIN0204" => Microsoft.CodeAnalysis.DiagnosticSeverity.Info,
        "PIN0000" => Microsoft.CodeAnalysis.DiagnosticSeverity.Hidden,
        _ => Microsoft.CodeAnalysis.DiagnosticSeverity.Warning,
    };
}
