using System.Security;

namespace PinApi.Tool;

/// <summary>
/// Builds a project or solution with the compiler's SARIF 2.1 log (<c>ErrorLog</c>) for each of the target's own
/// projects, written to a folder of the caller's choosing. The logs show every diagnostic at the severity the project
/// configures, whatever WarningsNotAsErrors or TreatWarningsAsErrors then make of it. An up-to-date project skips csc
/// and logs nothing, so the target's projects get a fresh extra compile input and really compile; referenced projects
/// elsewhere stay incremental, and nothing is deleted.
/// </summary>
internal static class SarifBuild
{
    public sealed record Result(int ExitCode, string Output, IReadOnlyList<string> Logs)
    {
        public bool Succeeded => ExitCode == 0;

        /// <summary>The build's distinct error lines, at most 20.</summary>
        public IReadOnlyList<string> Errors { get; } = Output.Split('\n')
            .Where(line => line.Contains(" error ", StringComparison.Ordinal))
            .Select(line => line.Trim())
            .Distinct()
            .Take(20)
            .ToList();
    }

    /// <summary>
    /// Builds <paramref name="target"/> and returns the logs written, named <c>Project.phase.sarif</c>
    /// (<c>Project.tfm.phase.sarif</c> for a multi-targeted project). Stale logs of the same phase are removed first.
    /// </summary>
    public static Result Run(BuildTarget target, string logDirectory, string phase)
    {
        Directory.CreateDirectory(logDirectory);
        foreach (var stale in Directory.GetFiles(logDirectory, $"*.{phase}.sarif"))
        {
            File.Delete(stale);
        }

        // Newer than every output of the target's projects, so their CoreCompile is out of date and csc runs.
        var stamp = Path.Combine(logDirectory, $"{phase}.stamp");
        File.WriteAllText(stamp, DateTime.UtcNow.ToString("O"));

        var projects = target.Projects();
        var isTarget = projects.Count == 0
            ? "false"
            : string.Join(" or ", projects.Select(p => $"'$(MSBuildProjectFullPath)' == '{Escape(p)}'"));
        var props = Path.Combine(logDirectory, $"errorlog.{phase}.props");
        File.WriteAllText(props, $"""
            <Project>
              <!-- Written by pinapi for one build: a SARIF 2.1 log per project of the target, from a compile that really runs. -->
              <ItemGroup Condition="{isTarget}">
                <CustomAdditionalCompileInputs Include="{Escape(stamp)}" />
              </ItemGroup>
              <Target Name="PinApiErrorLog" BeforeTargets="CoreCompile" Condition="{isTarget}">
                <PropertyGroup>
                  <_PinApiLogName>$(MSBuildProjectName)</_PinApiLogName>
                  <_PinApiLogName Condition="'$(TargetFrameworks)' != ''">$(MSBuildProjectName).$(TargetFramework)</_PinApiLogName>
                  <ErrorLog>{Escape(logDirectory)}/$(_PinApiLogName).{phase}.sarif,version=2.1</ErrorLog>
                </PropertyGroup>
              </Target>
            </Project>
            """);

        var build = DotnetCli.Run(target.Directory, "build", target.File, $"-p:CustomBeforeMicrosoftCommonProps={props}");
        var logs = Directory.GetFiles(logDirectory, $"*.{phase}.sarif").Order(StringComparer.Ordinal).ToList();
        return new Result(build.ExitCode, build.Output, logs);
    }

    /// <summary>A path as a literal inside the generated MSBuild XML: MSBuild's special characters, then XML's.</summary>
    private static string Escape(string path) => SecurityElement.Escape(
        path.Replace("%", "%25", StringComparison.Ordinal)
            .Replace("$", "%24", StringComparison.Ordinal)
            .Replace("@", "%40", StringComparison.Ordinal)
            .Replace("'", "%27", StringComparison.Ordinal)
            .Replace(";", "%3B", StringComparison.Ordinal));
}
