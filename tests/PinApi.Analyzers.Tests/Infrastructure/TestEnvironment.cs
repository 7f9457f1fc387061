using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using PinApi.Analyzers;

namespace PinApi.Analyzers.Tests.Infrastructure;

/// <summary>What every analyzer test compiles against: the .NET 10 reference pack (pre-downloaded at restore) and PinApi.dll.</summary>
internal static class TestEnvironment
{
    public static ReferenceAssemblies Net10 { get; } = new ReferenceAssemblies(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"),
        Path.Combine("ref", "net10.0"));

    public static MetadataReference PinApiReference { get; } = MetadataReference.CreateFromFile(typeof(PinApi.Gup).Assembly.Location);

    /// <summary>All PinApi analyzers: a case that must stay silent stays silent for every rule, not only the one under test.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = ImmutableArray.Create<DiagnosticAnalyzer>(
        new OwnershipFlowAnalyzer(),
        new FieldPairingAnalyzer(),
        new BufferSizeAnalyzer(),
        new ReplacedApiAnalyzer());

    /// <summary>Every rule of the analyzers assembly, by ID: the table the docs, the presets and the tests are checked against.</summary>
    public static IEnumerable<DiagnosticDescriptor> Descriptors() =>
        typeof(Descriptors).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Id, StringComparer.Ordinal);

    /// <summary>The repository's root (the folder of PinApi.sln above the test's output folder).</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PinApi.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("PinApi.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The usings every test source starts with.</summary>
    public const string Usings = "using System;\nusing PinApi;\nusing PinApi.Contracts;\n\n";
}
