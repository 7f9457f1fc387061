namespace PinApi.Packaging.Tests;

/// <summary>
/// The package works for someone who is not inside this repository: a fresh project that references PinApi by
/// version gets the PIN diagnostics at build time, the presets through PinApiAnalysisMode, the .editorconfig options,
/// and the code fixes through <c>dotnet format</c>.
/// </summary>
[Collection(nameof(PackedConsumer))]
public class ConsumerTests(PackedConsumer consumer)
{
    [Fact]
    public void A_default_build_reports_each_site_at_its_default_severity()
    {
        var build = consumer.Packed(consumer.Default);
        var diagnostics = PinDiagnostics(build);

        // PIN0002 is an error by default: the build fails, as it should for a GET page given to an unpin.
        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Equal(
            Expected(id => id == "PIN0002" ? "error" : "warning"),
            diagnostics.Select(d => d.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_strict_preset_makes_the_rules_errors_and_an_editorconfig_line_still_wins()
    {
        var build = consumer.Packed(consumer.Strict);
        Assert.True(build.ExitCode != 0, build.ToString());

        // PIN0301 is a warning by default; strict makes it an error. PIN0003 stays a warning: the consumer's
        // .editorconfig sets it by ID, which beats the preset.
        Assert.Equal(
            Expected(id => id == "PIN0003" ? "warning" : "error"),
            PinDiagnostics(build).Select(d => d.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_migration_preset_keeps_only_the_renames()
    {
        var build = consumer.Packed(consumer.Migration);
        Assert.True(build.ExitCode == 0, build.ToString());

        // PIN0003 is the consumer's own .editorconfig line, which no preset overrides.
        Assert.Equal(
            Expected(id => "warning").Where(site => site.EndsWith("PIN0301", StringComparison.Ordinal) || site.EndsWith("PIN0003", StringComparison.Ordinal)),
            PinDiagnostics(build).Select(d => d.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_none_preset_turns_off_every_rule_the_editorconfig_does_not_name()
    {
        var build = consumer.Packed(consumer.None);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(
            Expected(id => "warning").Where(site => site.EndsWith("PIN0003", StringComparison.Ordinal)),
            PinDiagnostics(build).Select(d => d.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_unknown_preset_stops_the_build_with_a_clear_error()
    {
        var build = consumer.Packed(consumer.Unknown);
        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Contains("PINAPI0001", build.Output, StringComparison.Ordinal);
        Assert.Contains("'lenient' is not a PinApi preset", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_acquire_declared_in_editorconfig_is_tracked_in_a_real_build()
    {
        var build = consumer.Packed(consumer.Default);
        Assert.Contains(PinDiagnostics(build), d => d.File == "Vendor.cs" && d.Id == "PIN0003");
    }

    [Fact]
    public void Dotnet_format_renames_PutUserPage_and_the_next_build_has_no_PIN0301()
    {
        var format = consumer.Packed(consumer.Format);
        Assert.True(format.ExitCode == 0, format.ToString());
        Assert.DoesNotContain("No associated code fix found", format.Output, StringComparison.Ordinal);
        Assert.Contains("Gup.UnpinUserPage(pages[0]); // PIN0301", consumer.RenameAfterFormat, StringComparison.Ordinal);
        Assert.DoesNotContain("PutUserPage", consumer.RenameAfterFormat, StringComparison.Ordinal);

        // The fix changed only the rename: the file is otherwise as written.
        var original = PackedConsumer.Sources.Single(s => s.Name == "Rename.cs").Source;
        Assert.Equal(original.Replace("PutUserPage", "UnpinUserPage", StringComparison.Ordinal), consumer.RenameAfterFormat);

        var after = PinDiagnostics(consumer.Packed(consumer.AfterFormat));
        Assert.DoesNotContain(after, d => d.Id == "PIN0301");
        Assert.Contains(after, d => d.Id == "PIN0002");
    }

    /// <summary>"File:line level ID" of every marked site, with the level the case expects for its rule.</summary>
    private static IEnumerable<string> Expected(Func<string, string> level) =>
        PackedConsumer.MarkedSites()
            .Select(site => $"{site.File}:{site.Line} {level(site.Id)} {site.Id}")
            .Order(StringComparer.Ordinal);

    private static List<BuildDiagnostic> PinDiagnostics(Dotnet.Run build) =>
        BuildDiagnostic.Parse(build.Output).Where(d => d.Id.StartsWith("PIN", StringComparison.Ordinal)).ToList();
}
