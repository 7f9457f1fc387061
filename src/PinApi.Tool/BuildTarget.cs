namespace PinApi.Tool;

/// <summary>
/// What <c>pinapi migrate</c> and <c>pinapi check</c> work on: a project or solution file, found from a path to it or
/// to its folder, and for <c>migrate --out</c> a copy of that folder so the original is never touched.
/// </summary>
internal sealed record BuildTarget(string File, string Directory)
{
    public static BuildTarget Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        if (System.IO.File.Exists(full))
        {
            return new BuildTarget(full, Path.GetDirectoryName(full)!);
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
            ? new BuildTarget(candidates[0], full)
            : throw new ArgumentException(candidates.Length == 0
                ? $"{path} holds no .sln or .csproj."
                : $"{path} holds several projects or solutions; name one: {string.Join(", ", candidates.Select(Path.GetFileName))}");
    }

    /// <summary>The C# projects inside the target's folder: what the migration rewrites and the check reports on.</summary>
    public IReadOnlyList<string> Projects() =>
        System.IO.Directory.GetFiles(Directory, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}.pinapi{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();

    /// <summary>
    /// Copies the target's folder (without bin/ and obj/) into <paramref name="outDirectory"/>. The copy keeps
    /// building like the original: a Directory.Build.props beside it imports the one the original folder inherited,
    /// whose paths are relative to itself and so still point at the original tree.
    /// </summary>
    public BuildTarget CopyTo(string outDirectory)
    {
        var destination = Path.GetFullPath(Path.Combine(outDirectory, Path.GetFileName(Directory)));
        if (System.IO.Directory.Exists(destination) && System.IO.Directory.EnumerateFileSystemEntries(destination).Any())
        {
            throw new ArgumentException($"{destination} exists and is not empty; choose another --out.");
        }

        CopyTree(Directory, destination);
        foreach (var project in System.IO.Directory.GetFiles(destination, "*.csproj", SearchOption.AllDirectories))
        {
            RepointOutsideReferences(project, Path.Combine(Directory, Path.GetRelativePath(destination, project)), destination);
        }

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

        return new BuildTarget(Path.Combine(destination, Path.GetFileName(File)), destination);
    }

    /// <summary>
    /// A reference such as <c>../Workload/Workload.csproj</c> leaves the copied folder: point it at the original
    /// project, absolutely, so the copy builds against the same code. References inside the copy stay relative.
    /// </summary>
    private static void RepointOutsideReferences(string copiedProject, string originalProject, string copyRoot)
    {
        var document = System.Xml.Linq.XDocument.Load(copiedProject, System.Xml.Linq.LoadOptions.PreserveWhitespace);
        var originalDirectory = Path.GetDirectoryName(originalProject)!;
        var changed = false;
        foreach (var element in document.Descendants().Where(e => e.Name.LocalName is "ProjectReference" or "Import"))
        {
            var attribute = element.Attribute("Include") ?? element.Attribute("Project");
            if (attribute is null || Path.IsPathRooted(attribute.Value) || attribute.Value.Contains('$'))
            {
                continue;
            }

            var inCopy = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(copiedProject)!, attribute.Value));
            if (inCopy.StartsWith(copyRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            attribute.Value = Path.GetFullPath(Path.Combine(originalDirectory, attribute.Value));
            changed = true;
        }

        if (changed)
        {
            document.Save(copiedProject, System.Xml.Linq.SaveOptions.DisableFormatting);
        }
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
            if (name is "bin" or "obj" or ".vs" or ".pinapi")
            {
                continue;
            }

            CopyTree(directory, Path.Combine(destination, name));
        }
    }
}
