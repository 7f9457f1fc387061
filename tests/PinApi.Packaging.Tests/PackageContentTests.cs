using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace PinApi.Packaging.Tests;

/// <summary>What the PinApi nupkg holds: the library, the analyzers and code fixes, the presets and their switch, metadata.</summary>
[Collection(nameof(PackedConsumer))]
public class PackageContentTests(PackedConsumer packed)
{
    private static readonly string[] Modes = ["recommended", "strict", "migration", "none"];

    [Fact]
    public void The_package_holds_the_library_the_analyzers_and_the_presets()
    {
        var entries = Entries();
        string[] expected =
        [
            "lib/net10.0/PinApi.dll",
            "lib/net10.0/PinApi.xml",
            "analyzers/dotnet/cs/PinApi.Analyzers.dll",
            "analyzers/dotnet/cs/PinApi.CodeFixes.dll",
            "build/PinApi.targets",
            "buildTransitive/PinApi.targets",
            "README.md",
            .. Modes.Select(mode => $"build/config/PinApi.{mode}.globalconfig"),
        ];
        Assert.All(expected, path => Assert.Contains(path, entries));

        // Nothing else that would load: no Roslyn, no test or tool assembly riding along.
        var assemblies = entries.Where(e => e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal);
        Assert.Equal(expected.Where(e => e.EndsWith(".dll", StringComparison.Ordinal)).Order(StringComparer.Ordinal), assemblies);
    }

    [Fact]
    public void The_metadata_names_license_readme_repository_and_tags_and_no_dependency()
    {
        var nuspec = Nuspec();
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("PinApi", metadata.Element(ns + "id")?.Value);
        Assert.Equal(packed.Version, metadata.Element(ns + "version")?.Value);
        var license = metadata.Element(ns + "license");
        Assert.Equal("expression", license?.Attribute("type")?.Value);
        Assert.Equal("MIT", license?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.Equal("https://github.com/pinapi/pinapi", metadata.Element(ns + "repository")?.Attribute("url")?.Value);
        Assert.Contains("pin_user_pages", metadata.Element(ns + "tags")?.Value.Split(' ') ?? []);
        Assert.Contains("analyzers", metadata.Element(ns + "tags")?.Value.Split(' ') ?? []);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));

        // The analyzer projects are build-time references of the library, never package dependencies.
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")?.Value).ToList();
        Assert.Empty(dependencies);
    }

    [Fact]
    public void The_assemblies_carry_the_package_version()
    {
        var expected = new Version(packed.Version.Split('-')[0]);
        using var archive = ZipFile.OpenRead(Path(packed));
        foreach (var entry in new[] { "lib/net10.0/PinApi.dll", "analyzers/dotnet/cs/PinApi.Analyzers.dll", "analyzers/dotnet/cs/PinApi.CodeFixes.dll" })
        {
            var file = System.IO.Path.Combine(packed.Root, "extracted", entry);
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            archive.GetEntry(entry)!.ExtractToFile(file, overwrite: true);
            var version = AssemblyName.GetAssemblyName(file).Version!;
            Assert.True(
                version.Major == expected.Major && version.Minor == expected.Minor && version.Build == expected.Build,
                $"{entry} is version {version}, the package {packed.Version}");
        }
    }

    [Fact]
    public void The_presets_in_the_package_are_the_repository_s()
    {
        using var archive = ZipFile.OpenRead(Path(packed));
        foreach (var mode in Modes)
        {
            using var reader = new StreamReader(archive.GetEntry($"build/config/PinApi.{mode}.globalconfig")!.Open());
            var inRepository = File.ReadAllText(System.IO.Path.Combine(PackedConsumer.RepositoryRoot, "src", "PinApi", "Package", "build", "config", $"PinApi.{mode}.globalconfig"));
            Assert.Equal(inRepository, reader.ReadToEnd());
        }
    }

    private static string Path(PackedConsumer packed)
    {
        packed.Packed(packed.Pack);
        return packed.Package;
    }

    private List<string> Entries()
    {
        using var archive = ZipFile.OpenRead(Path(packed));
        return archive.Entries.Select(e => e.FullName).ToList();
    }

    private XDocument Nuspec()
    {
        using var archive = ZipFile.OpenRead(Path(packed));
        using var stream = archive.GetEntry("PinApi.nuspec")!.Open();
        return XDocument.Load(stream);
    }
}
