using System.Xml.Linq;

namespace PinApi.Packaging.Tests;

/// <summary>
/// Once for every test of the collection: packs src/PinApi (built by the solution build) into a local folder feed, then
/// plays a user outside this repository — a fresh project in a temporary folder, with its own NuGet.config and an
/// isolated NuGet packages folder (so no cached PinApi of an earlier run can stand in), referencing PinApi by version —
/// builds it under each PinApiAnalysisMode, fixes PIN0301 with <c>dotnet format</c>, and builds again.
/// </summary>
public sealed class PackedConsumer : IDisposable
{
    public const string Project = "Consumer.csproj";

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public PackedConsumer()
    {
        Root = Path.Combine(Path.GetTempPath(), $"pinapi-package-{Guid.NewGuid():N}");
        Feed = Path.Combine(Root, "feed");
        Directory = Path.Combine(Root, "consumer");
        System.IO.Directory.CreateDirectory(Feed);
        System.IO.Directory.CreateDirectory(Directory);
        Version = RepositoryVersion();
        Environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Root, "packages") };

        Pack = Dotnet.Exec(RepositoryRoot, Environment, "pack", Path.Combine(RepositoryRoot, "src", "PinApi", "PinApi.csproj"),
            "--no-build", "-c", Configuration, "-o", Feed, $"-p:NuspecOutputPath={Path.Combine(Root, "nuspec")}/");
        Package = Path.Combine(Feed, $"PinApi.{Version}.nupkg");
        if (Pack.ExitCode != 0 || !File.Exists(Package))
        {
            return;
        }

        WriteConsumer();

        // The first build restores PinApi from the feed into the isolated packages folder; the others reuse that.
        Default = Build("--force");
        Strict = Build("--no-restore", "-p:PinApiAnalysisMode=strict");
        Migration = Build("--no-restore", "-p:PinApiAnalysisMode=migration");
        None = Build("--no-restore", "-p:PinApiAnalysisMode=none");
        Unknown = Build("--no-restore", "-p:PinApiAnalysisMode=lenient");
        Format = Dotnet.Exec(Directory, Environment, "format", "analyzers", Project, "--diagnostics", "PIN0301", "--severity", "info", "--no-restore");
        RenameAfterFormat = File.ReadAllText(Path.Combine(Directory, "Rename.cs"));
        AfterFormat = Build("--no-restore");
    }

    public string Root { get; }

    public string Feed { get; }

    /// <summary>The consumer project's folder, outside the repository.</summary>
    public string Directory { get; }

    /// <summary>The version of Directory.Build.props: the one place the package's version comes from.</summary>
    public string Version { get; }

    public string Package { get; }

    public Dictionary<string, string> Environment { get; }

    public Dotnet.Run Pack { get; }

    public Dotnet.Run? Default { get; }

    public Dotnet.Run? Strict { get; }

    public Dotnet.Run? Migration { get; }

    public Dotnet.Run? None { get; }

    public Dotnet.Run? Unknown { get; }

    public Dotnet.Run? Format { get; }

    public string? RenameAfterFormat { get; }

    public Dotnet.Run? AfterFormat { get; }

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The run, after asserting that the package was packed (every later step needs it).</summary>
    public Dotnet.Run Packed(Dotnet.Run? run)
    {
        Assert.True(Pack.ExitCode == 0 && File.Exists(Package), $"packing failed, no {Package}:\n{Pack}");
        Assert.NotNull(run);
        return run;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner: a build node may still hold a file.
        }
    }

    /// <summary>A rebuild (so csc runs and reports every time) with the isolated packages folder.</summary>
    private Dotnet.Run Build(params string[] options) =>
        Dotnet.Exec(Directory, Environment, ["build", Project, "--no-incremental", .. options]);

    private void WriteConsumer()
    {
        // Empty Directory.Build.* files end MSBuild's upward search: nothing of the temp folder's parents applies.
        foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.WriteAllText(Path.Combine(Root, name), "<Project />\n");
        }

        // PinApi comes from the local feed only, whatever nuget.org holds under that name.
        File.WriteAllText(Path.Combine(Directory, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="PinApi" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Directory, Project), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PinApi" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(Directory, ".editorconfig"), """
            root = true

            [*.cs]
            # A rule's own line wins over the PinApiAnalysisMode preset.
            dotnet_diagnostic.PIN0003.severity = warning
            # Vendor.TakePages stands for code that cannot carry [Acquires]: declared here instead.
            pinapi.acquire_apis = Consumer.Vendor.TakePages:pin:count=count
            """);
        foreach (var (name, source) in Sources)
        {
            File.WriteAllText(Path.Combine(Directory, name), source);
        }
    }

    /// <summary>Each file raises one diagnostic; the line of the site is the one marked <c>// PINnnnn</c>.</summary>
    public static readonly (string Name, string Source)[] Sources =
    [
        ("Rename.cs", """
            using PinApi;

            namespace Consumer;

            /// <summary>Pre-series code: a pin released with the name the series renamed.</summary>
            public static class Rename
            {
                public static int Release(AddressSpace mm, ulong address)
                {
                    var pages = new Page[1];
                    long ret = Gup.PinUserPages(mm, address, 1, GupFlags.None, pages);
                    if (ret != 1)
                        return -(int)Errno.EFAULT;
                    Gup.PutUserPage(pages[0]); // PIN0301
                    return 0;
                }
            }
            """),
        ("Mismatch.cs", """
            using PinApi;

            namespace Consumer;

            /// <summary>A FOLL_GET page given to an unpin.</summary>
            public static class Mismatch
            {
                public static int Release(AddressSpace mm, ulong address)
                {
                    var pages = new Page[1];
                    long ret = Gup.GetUserPages(mm, address, 1, GupFlags.None, pages);
                    if (ret != 1)
                        return -(int)Errno.EFAULT;
                    Gup.UnpinUserPage(pages[0]); // PIN0002
                    return 0;
                }
            }
            """),
        ("Leak.cs", """
            using PinApi;

            namespace Consumer;

            /// <summary>A short pin whose prefix leaks on the error path.</summary>
            public static class Leak
            {
                public static int Map(AddressSpace mm, ulong address, int nrPages)
                {
                    var pages = new Page[nrPages];
                    long ret = Gup.PinUserPages(mm, address, nrPages, GupFlags.None, pages); // PIN0003
                    if (ret != nrPages)
                        return -(int)Errno.EFAULT;
                    Gup.UnpinUserPages(pages);
                    return 0;
                }
            }
            """),
        ("Vendor.cs", """
            using PinApi;

            namespace Consumer;

            /// <summary>Stands for a vendor's wrapper that cannot be annotated; .editorconfig declares it an acquire.</summary>
            public static class Vendor
            {
                public static long TakePages(AddressSpace mm, ulong address, long count, Page[] pageList) =>
                    Gup.PinUserPages(mm, address, count, GupFlags.None, pageList);
            }

            public static class VendorUse
            {
                public static int Map(AddressSpace mm, ulong address)
                {
                    var pages = new Page[1];
                    long ret = Vendor.TakePages(mm, address, 1, pages); // PIN0003
                    return ret == 1 ? 0 : -(int)Errno.EFAULT;
                }
            }
            """),
    ];

    /// <summary>Where a file's marked site is: (file, line, rule).</summary>
    public static IEnumerable<(string File, int Line, string Id)> MarkedSites() =>
        from file in Sources
        let lines = file.Source.Split('\n')
        from index in Enumerable.Range(0, lines.Length)
        let marker = lines[index].IndexOf("// PIN", StringComparison.Ordinal)
        where marker >= 0
        select (file.Name, index + 1, lines[index][(marker + 3)..].Trim());

    private static string RepositoryVersion() =>
        XDocument.Load(Path.Combine(RepositoryRoot, "Directory.Build.props")).Descendants("Version").Single().Value.Trim();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PinApi.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PinApi.sln not found above the test assembly.");
    }
}

[CollectionDefinition(nameof(PackedConsumer))]
public sealed class PackedConsumerCollection : ICollectionFixture<PackedConsumer>;
