namespace PinApi.Migration.Tests;

/// <summary>Where the repository's pieces are, found from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Legacy => Path.Combine(Root, "samples", "Legacy");

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
