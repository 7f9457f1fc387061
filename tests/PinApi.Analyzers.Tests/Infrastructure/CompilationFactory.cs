using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace PinApi.Analyzers.Tests.Infrastructure;

/// <summary>
/// Builds compilations in process (against the running runtime's assemblies and PinApi.dll) and runs the analyzers
/// through <see cref="CompilationWithAnalyzers"/>, reporting analyzer exceptions instead of swallowing them.
/// </summary>
internal static class CompilationFactory
{
    internal static readonly ImmutableArray<MetadataReference> References = CreateReferences();

    public static CSharpCompilation Create(string source, LanguageVersion version = LanguageVersion.Preview)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(version), path: "Test0.cs");
        return CSharpCompilation.Create(
            "Fuzz",
            new[] { tree },
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
    }

    /// <summary>Runs every PinApi analyzer; <paramref name="exceptions"/> receives each analyzer exception.</summary>
    public static Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation, List<Exception> exceptions) =>
        AnalyzeAsync(compilation, TestEnvironment.AllAnalyzers, exceptions);

    /// <summary>Runs <paramref name="analyzers"/>; every analyzer exception, and every AD0001 they cause, lands in <paramref name="exceptions"/>.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, List<Exception> exceptions)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, analyzer, diagnostic) =>
            {
                lock (exceptions)
                {
                    exceptions.Add(new InvalidOperationException($"{analyzer.GetType().Name}: {diagnostic.GetMessage()}", exception));
                }
            },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync().ConfigureAwait(false);
        foreach (var crash in diagnostics.Where(d => d.Id == "AD0001"))
        {
            lock (exceptions)
            {
                exceptions.Add(new InvalidOperationException(crash.ToString()));
            }
        }

        return diagnostics;
    }

    private static ImmutableArray<MetadataReference> CreateReferences()
    {
        // The few runtime assemblies the sources use: fewer references keep thousands of compilations cheap.
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "System.Private.CoreLib.dll", "System.Runtime.dll", "System.Collections.dll", "System.Linq.dll", "System.Memory.dll",
            "System.Console.dll", "System.Threading.dll", "System.Runtime.InteropServices.dll", "netstandard.dll",
        };
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => wanted.Contains(Path.GetFileName(path)))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        return platform.Append(TestEnvironment.PinApiReference).ToImmutableArray();
    }
}
