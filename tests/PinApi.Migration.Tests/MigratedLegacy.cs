using PinApi.Tool;

namespace PinApi.Migration.Tests;

/// <summary>
/// Runs <c>pinapi migrate samples/Legacy --out …</c> once for all the tests of the collection, as a user would, and
/// keeps what it printed and where the migrated copy is.
/// </summary>
public sealed class MigratedLegacy : IDisposable
{
    public MigratedLegacy()
    {
        OutDirectory = Path.Combine(Path.GetTempPath(), $"pinapi-migration-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(OutDirectory);
        var output = new StringWriter();
        var saved = Console.Out;
        Console.SetOut(output);
        try
        {
            ExitCode = MigrateCommand.Run([RepositoryPaths.Legacy, "--out", OutDirectory]);
        }
        finally
        {
            Console.SetOut(saved);
        }

        Output = output.ToString();
        Directory = Path.Combine(OutDirectory, "Legacy");
    }

    public string OutDirectory { get; }

    /// <summary>The migrated copy of samples/Legacy.</summary>
    public string Directory { get; }

    public int ExitCode { get; }

    public string Output { get; }

    public IReadOnlyList<SarifDiagnostic> Before => SarifDiagnostic.Read(Path.Combine(Directory, ".pinapi", "Legacy.before.sarif"));

    public IReadOnlyList<SarifDiagnostic> After => SarifDiagnostic.Read(Path.Combine(Directory, ".pinapi", "Legacy.after.sarif"));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(OutDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner: a build server may still hold a file.
        }
    }
}

[CollectionDefinition(nameof(MigratedLegacy))]
public sealed class MigratedLegacyCollection : ICollectionFixture<MigratedLegacy>;
