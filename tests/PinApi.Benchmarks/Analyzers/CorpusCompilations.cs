using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PinApi.Benchmarks.Corpus;

namespace PinApi.Benchmarks.Analyzers;

/// <summary>
/// Parses a generated corpus once and builds fresh compilations of it on demand: the PinApi corpus against the
/// running runtime's assemblies and PinApi.dll, the twin also against its Resource library (compiled here into an
/// in-memory assembly, so both corpora reference their library as metadata). Fresh compilations share the parsed
/// trees, so every measurement starts from the same unbound state and parsing is outside every timing.
/// </summary>
public sealed class CorpusCompilations
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> Platform = new(CreatePlatformReferences);

    private readonly ImmutableArray<SyntaxTree> pinTrees;
    private readonly ImmutableArray<SyntaxTree> twinTrees;
    private readonly ImmutableArray<MetadataReference> pinReferences;
    private readonly ImmutableArray<MetadataReference> twinReferences;

    public CorpusCompilations(KernelCorpus corpus)
    {
        Corpus = corpus;
        pinTrees = Parse(corpus.PinFiles, "pin");
        twinTrees = Parse(corpus.TwinFiles, "twin");
        pinReferences = Platform.Value;
        twinReferences = Platform.Value.Add(CompileTwinLibrary(corpus.TwinLibrarySource));
    }

    public KernelCorpus Corpus { get; }

    public int Files => pinTrees.Length;

    public static ParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Latest);

    /// <summary>References every generated compilation uses: the runtime's own assemblies and PinApi.dll.</summary>
    public static ImmutableArray<MetadataReference> PlatformReferences => Platform.Value;

    /// <summary>A fresh compilation of the first <paramref name="files"/> PinApi files.</summary>
    public CSharpCompilation Pin(int files, IReadOnlyDictionary<string, ReportDiagnostic>? diagnosticOptions = null) =>
        Create("KernelCorpus", pinTrees.Take(files), pinReferences, diagnosticOptions);

    /// <summary>A fresh compilation of the first <paramref name="files"/> twin files.</summary>
    public CSharpCompilation Twin(int files, IReadOnlyDictionary<string, ReportDiagnostic>? diagnosticOptions = null) =>
        Create("KernelTwinCorpus", twinTrees.Take(files), twinReferences, diagnosticOptions);

    /// <summary>
    /// The compilation's own cost: <c>GetDiagnostics()</c> and an emit to memory on a fresh compilation. Throws when
    /// the corpus does not compile, since every ratio against it would then be meaningless.
    /// </summary>
    public static Cost CompileCost(CSharpCompilation compilation)
    {
        var meter = Cost.Start();
        var diagnostics = compilation.GetDiagnostics();
        using var peStream = new MemoryStream();
        var emit = compilation.Emit(peStream);
        var cost = meter.Stop();
        var errors = diagnostics.Concat(emit.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Distinct().ToList();
        if (errors.Count > 0 || !emit.Success)
        {
            throw new InvalidOperationException(
                $"the generated corpus '{compilation.AssemblyName}' does not compile ({errors.Count} errors), first: " +
                string.Join(Environment.NewLine, errors.Take(5)));
        }

        return cost;
    }

    public static CSharpCompilation Create(string name, IEnumerable<SyntaxTree> trees, IEnumerable<MetadataReference> references, IReadOnlyDictionary<string, ReportDiagnostic>? diagnosticOptions = null)
    {
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            optimizationLevel: OptimizationLevel.Debug,
            concurrentBuild: false,
            deterministic: true);
        if (diagnosticOptions is not null)
        {
            options = options.WithSpecificDiagnosticOptions(diagnosticOptions);
        }

        return CSharpCompilation.Create(name, trees, references, options);
    }

    private static ImmutableArray<SyntaxTree> Parse(IReadOnlyList<CorpusFile> files, string root) =>
        files.Select(f => CSharpSyntaxTree.ParseText(f.Text, (CSharpParseOptions)ParseOptions, path: Path.Combine(root, f.Path))).ToImmutableArray();

    private static MetadataReference CompileTwinLibrary(string source)
    {
        var library = Create("KernelTwin", [CSharpSyntaxTree.ParseText(source, (CSharpParseOptions)ParseOptions, path: "Resource.cs")], Platform.Value);
        using var stream = new MemoryStream();
        var result = library.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException("the twin library does not compile: " + string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return MetadataReference.CreateFromImage(stream.ToArray());
    }

    private static ImmutableArray<MetadataReference> CreatePlatformReferences()
    {
        // The runtime assemblies the generated code binds to; fewer references keep every compilation cheap and equal.
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "System.Private.CoreLib.dll", "System.Runtime.dll", "System.Collections.dll", "System.Linq.dll", "System.Memory.dll",
            "System.Console.dll", "System.Threading.dll", "System.Runtime.InteropServices.dll", "netstandard.dll",
        };
        var platform = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => wanted.Contains(Path.GetFileName(path)))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        return platform.Append(MetadataReference.CreateFromFile(typeof(Gup).Assembly.Location)).ToImmutableArray();
    }
}
