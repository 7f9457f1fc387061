using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace PinApi.Analyzers.Tests.Infrastructure;

/// <summary>
/// A code-fix test over every PinApi analyzer: the fixed source is compared exactly (trivia included), and the
/// framework also checks FixAll in document, project and solution scope with the same equivalence key.
/// </summary>
internal sealed class PinCodeFixTest<TCodeFix> : CSharpCodeFixTest<OwnershipFlowAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public PinCodeFixTest(string source, string fixedSource, string equivalenceKey)
    {
        ReferenceAssemblies = TestEnvironment.Net10;
        TestState.AdditionalReferences.Add(TestEnvironment.PinApiReference);
        FixedState.AdditionalReferences.Add(TestEnvironment.PinApiReference);
        TestCode = TestEnvironment.Usings + source;
        FixedCode = TestEnvironment.Usings + fixedSource;
        CodeActionEquivalenceKey = equivalenceKey;
    }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => TestEnvironment.AllAnalyzers;

    /// <summary>Applies the fix with <paramref name="equivalenceKey"/> and compares the result with <paramref name="fixedSource"/>.</summary>
    public static Task VerifyAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] expected)
    {
        var test = new PinCodeFixTest<TCodeFix>(source, fixedSource, equivalenceKey);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Like <see cref="VerifyAsync"/>, with the diagnostics left in the fixed source and the FixAll iteration count stated.</summary>
    public static Task VerifyAsync(string source, string fixedSource, string equivalenceKey, DiagnosticResult[] expected, DiagnosticResult[] remaining, int? iterations = null)
    {
        var test = new PinCodeFixTest<TCodeFix>(source, fixedSource, equivalenceKey);
        test.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.ExpectedDiagnostics.AddRange(remaining);
        if (iterations is int count)
        {
            test.NumberOfIncrementalIterations = count;
            test.NumberOfFixAllIterations = count == 0 ? 0 : 1;
        }

        return test.RunAsync();
    }
}
