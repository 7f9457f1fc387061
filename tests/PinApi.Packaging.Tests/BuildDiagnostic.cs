using System.Text.RegularExpressions;

namespace PinApi.Packaging.Tests;

/// <summary>A diagnostic as <c>dotnet build</c> prints it: <c>/path/File.cs(12,9): warning PIN0003: message [project]</c>.</summary>
internal sealed partial record BuildDiagnostic(string File, int Line, string Level, string Id)
{
    public static IReadOnlyList<BuildDiagnostic> Parse(string output) =>
        SiteLine().Matches(output)
            .Select(m => new BuildDiagnostic(Path.GetFileName(m.Groups["file"].Value), int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups["level"].Value, m.Groups["id"].Value))
            .Distinct()
            .ToList();

    public override string ToString() => $"{File}:{Line} {Level} {Id}";

    [GeneratedRegex(@"^\s*(?<file>[^\s(][^\r\n(]*\.cs)\((?<line>\d+),\d+\): (?<level>error|warning|info) (?<id>[A-Z]+\d+):", RegexOptions.Multiline)]
    private static partial Regex SiteLine();
}
