using System.Diagnostics;

namespace PinApi.Packaging.Tests;

/// <summary>
/// Runs the dotnet CLI for a test, with a time limit (a hung restore must fail the test, not the CI job) and an
/// environment of the test's choosing, such as an isolated NuGet packages folder.
/// </summary>
public static class Dotnet
{
    public sealed record Run(string Command, int ExitCode, string Output)
    {
        public override string ToString() => $"$ dotnet {Command} (exit {ExitCode})\n{Output}";
    }

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static Run Exec(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        arguments.ToList().ForEach(start.ArgumentList.Add);

        // A build started from inside `dotnet test` must not inherit the test run's MSBuild: it resolves its own.
        foreach (var inherited in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} ran longer than {Limit.TotalMinutes} minutes");
        }

        process.WaitForExit();
        return new Run(string.Join(' ', arguments), process.ExitCode, stdout.Result + stderr.Result);
    }
}
