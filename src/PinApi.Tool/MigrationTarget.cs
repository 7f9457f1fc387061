namespace PinApi.Tool;

/// <summary>
/// What <c>pinapi migrate</c> works on: a project or solution file, found from a path to it or to its folder, and
/// with <c>--out</c> a copy of that folder so the original is never touched.
/// </summary>
internal sealed record MigrationTarget(string File, string Directory)
{
    public static MigrationTarget Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        if (System.IO.File.Exists(full))
        {
            return new MigrationTarget(full, Path.GetDirectoryName(full)!);
        }

        if (!System.IO.Directory.Exists(full))
        {
            throw new ArgumentException($"No such project, solution or folder: {path}");
        }

        var candidates = System.IO.Directory.GetFiles(full, "*.sln").Concat(System.IO.Directory.GetFiles(full, "*.slnx")).ToArray();
        if (candidates.Length == 0)
        {
            candidates = System.IO.Directory.GetFiles(full, "*.csproj");
        }

        return candidates.Length == 1
            ? new MigrationTarget(candidates[0], full)
            : throw new ArgumentException(candidates.Length == 0
                ? $"{path} holds no .sln or .csproj."
                : $"{path} holds several projects or solutions; name one: {string.Join(", ", candidates.Select(Path.GetFileName))}");
    }

    /// <summary>
    /// Copies the target's folder (without bin/ and obj/) into <paramref name="outDirectory"/>. The copy keeps
    /// building like the original: a Directory.Build.props beside it imports the one the original folder inherited,
    /// whose paths are relative to itself and so still point at the original tree.
    /// </summary>
    public MigrationTarget CopyTo(string outDirectory)
    {
        var destination = Path.GetFullPath(Path.Combine(outDirectory, Path.GetFileName(Directory)));
        if (System.IO.Directory.Exists(destination) && System.IO.Directory.EnumerateFileSystemEntries(destination).Any())
        {
            throw new ArgumentException($"{destination} exists and is not empty; choose another --out.");
        }

        CopyTree(Directory, destination);
        foreach (var inheritedFile in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            var inherited = FindAbove(Directory, inheritedFile);
            var shim = Path.Combine(outDirectory, inheritedFile);
            if (inherited is not null && !System.IO.File.Exists(Path.Combine(destination, inheritedFile)) && !System.IO.File.Exists(shim))
            {
                System.IO.File.WriteAllText(shim, $"""
                    <Project>
                      <!-- Written by pinapi migrate: the copy builds with what {Path.GetFileName(Directory)} inherited in its original tree. -->
                      <Import Project="{inherited}" />
                    </Project>
                    """);
            }
        }

        return new MigrationTarget(Path.Combine(destination, Path.GetFileName(File)), destination);
    }

    private static string? FindAbove(string directory, string fileName)
    {
        for (var dir = System.IO.Directory.GetParent(directory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, fileName);
            if (System.IO.File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void CopyTree(string source, string destination)
    {
        System.IO.Directory.CreateDirectory(destination);
        foreach (var file in System.IO.Directory.GetFiles(source))
        {
            System.IO.File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var directory in System.IO.Directory.GetDirectories(source))
        {
            var name = Path.GetFileName(directory);
            if (name is "bin" or "obj" or ".vs")
            {
                continue;
            }

            CopyTree(directory, Path.Combine(destination, name));
        }
    }
}
