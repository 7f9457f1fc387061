using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PinApi.Packaging.Tests;

/// <summary>
/// The analyzers' release tracking (AnalyzerReleases.Shipped.md / Unshipped.md, checked rule by rule against the
/// descriptors by RS2000–RS2008 at build time) in step with the package version of Directory.Build.props: no shipped
/// release is newer than the package, and once the package's version is listed as shipped, nothing is left unshipped
/// (a new rule then needs a new version).
/// </summary>
public class ReleaseTrackingTests
{
    private static readonly string Analyzers = Path.Combine(PackedConsumer.RepositoryRoot, "analyzers", "PinApi.Analyzers");

    [Fact]
    public void No_shipped_release_is_newer_than_the_package()
    {
        var version = PackageVersion();
        Assert.All(ShippedReleases(), release => Assert.True(release <= version, $"AnalyzerReleases.Shipped.md lists release {release}, newer than the package's {version}"));
    }

    [Fact]
    public void A_version_listed_as_shipped_has_nothing_left_unshipped()
    {
        var version = PackageVersion();
        var unshipped = File.ReadAllLines(Path.Combine(Analyzers, "AnalyzerReleases.Unshipped.md"))
            .Where(line => Regex.IsMatch(line, @"^PIN\d{4}\s*\|"))
            .ToList();
        Assert.False(
            ShippedReleases().Contains(version) && unshipped.Count > 0,
            $"{version} is shipped, yet AnalyzerReleases.Unshipped.md lists:\n{string.Join('\n', unshipped)}\nBump <Version> in Directory.Build.props.");
    }

    private static Version PackageVersion() =>
        Version.Parse(XDocument.Load(Path.Combine(PackedConsumer.RepositoryRoot, "Directory.Build.props")).Descendants("Version").Single().Value.Split('-')[0]);

    private static List<Version> ShippedReleases() =>
        File.ReadAllLines(Path.Combine(Analyzers, "AnalyzerReleases.Shipped.md"))
            .Select(line => Regex.Match(line, @"^## Release (?<version>\d+(\.\d+){1,3})"))
            .Where(m => m.Success)
            .Select(m => Version.Parse(m.Groups["version"].Value))
            .ToList();
}
