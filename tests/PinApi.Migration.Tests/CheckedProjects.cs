using PinApi.Tool;

namespace PinApi.Migration.Tests;

/// <summary>
/// Runs <c>pinapi check</c> once for the collection, as a user would: on samples/Legacy where it stands (which demotes
/// every PIN error to a warning and keeps them out of its build's errors), and on a scratch project outside the
/// repository whose leaks, double releases, uses after release and GET/unpin mismatch have paths to show. Both write
/// SARIF; what each printed, returned and wrote is kept.
/// </summary>
public sealed class CheckedProjects : IDisposable
{
    public CheckedProjects()
    {
        Root = Path.Combine(Path.GetTempPath(), $"pinapi-check-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        LegacySarif = Path.Combine(Root, "legacy.sarif");
        Legacy = Check(RepositoryPaths.Legacy, "--sarif", LegacySarif);

        Flow = Path.Combine(Root, "Flow");
        Directory.CreateDirectory(Flow);
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Flow, "Flow.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(RepositoryPaths.Root, "src", "PinApi", "PinApi.csproj")}" />
                <ProjectReference Include="{Path.Combine(RepositoryPaths.Root, "analyzers", "PinApi.Analyzers", "PinApi.Analyzers.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(Flow, "Paths.cs"), FlowSource);
        FlowSarif = Path.Combine(Root, "out", "flow.sarif");
        FlowRun = Check(Flow, "--sarif", FlowSarif);
    }

    /// <summary>
    /// One method per rule. A line's trailing comment names what the analyzers report there (<c>PINnnnn</c>) or what a
    /// diagnostic's path points at (<c>acquire</c>, <c>branch</c>, <c>exit</c>, <c>first release</c>).
    /// </summary>
    public const string FlowSource = """
        using PinApi;

        namespace Flow;

        public static class Paths
        {
            public static int Leak(AddressSpace mm, ulong address, int nrPages)
            {
                var pages = new Page[nrPages];
                long ret = Gup.PinUserPages(mm, address, nrPages, GupFlags.None, pages); // PIN0003 acquire
                if (ret != nrPages) // branch
                    return -(int)Errno.EFAULT; // exit
                Gup.UnpinUserPages(pages);
                return 0;
            }

            public static int Twice(AddressSpace mm, ulong address)
            {
                var pages = new Page[1];
                long ret = Gup.PinUserPages(mm, address, 1, GupFlags.None, pages); // acquire
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                Gup.UnpinUserPages(pages); // first release
                Gup.UnpinUserPages(pages); // PIN0004
                return 0;
            }

            public static int UseAfterRelease(AddressSpace mm, ulong address)
            {
                var pages = new Page[1];
                long ret = Gup.PinUserPages(mm, address, 1, GupFlags.None, pages); // acquire
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                Gup.UnpinUserPage(pages[0]); // first release
                return pages[0].Data[0]; // PIN0005
            }

            public static int Mismatch(AddressSpace mm, ulong address)
            {
                var pages = new Page[1];
                long ret = Gup.GetUserPages(mm, address, 1, GupFlags.None, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                Gup.UnpinUserPage(pages[0]); // PIN0002
                return 0;
            }
        }
        """;

    public string Root { get; }

    public string LegacySarif { get; }

    public CheckRun Legacy { get; }

    /// <summary>The scratch project's folder, outside the repository.</summary>
    public string Flow { get; }

    public string FlowSarif { get; }

    public CheckRun FlowRun { get; }

    /// <summary>The 1-based lines of <see cref="FlowSource"/> whose comment contains <paramref name="tag"/>, in order.</summary>
    public static IReadOnlyList<int> LinesTagged(string tag, int from = 1, int to = int.MaxValue) =>
        FlowSource.Split('\n')
            .Select((line, index) => (line, number: index + 1))
            .Where(l => l.number >= from && l.number <= to)
            .Where(l => l.line.Contains("//", StringComparison.Ordinal) && l.line[l.line.IndexOf("//", StringComparison.Ordinal)..].Contains(tag, StringComparison.Ordinal))
            .Select(l => l.number)
            .ToList();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner: a build node may still hold a file.
        }
    }

    /// <summary><c>pinapi check</c> with <paramref name="args"/>, in process, with its own output and error writers.</summary>
    public static CheckRun Check(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CheckCommand.Run(args, output, error);
        return new CheckRun(exit, output.ToString(), error.ToString());
    }
}

public sealed record CheckRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
}

[CollectionDefinition(nameof(CheckedProjects))]
public sealed class CheckedProjectsCollection : ICollectionFixture<CheckedProjects>;
