using System.Text.RegularExpressions;
using PinApi.Samples.GupBenchmark;

namespace PinApi.Samples.Tests;

/// <summary>gup_benchmark: every command through the tool's flags, and the module's ioctl against vmstat.</summary>
public sealed partial class GupBenchmarkTests
{
    [Theory]
    [InlineData("-u")]
    [InlineData("-U")]
    [InlineData("-a")]
    [InlineData("-b")]
    [InlineData("-L")]
    [InlineData("-a", "-w", "-n", "16")]
    [InlineData("-b", "-S")]
    [InlineData("-L", "-H", "-n", "512")]
    [InlineData("-u", "-t")]
    [InlineData("-U", "-T", "-w")]
    public void Each_mode_prints_one_time_line_per_repeat(params string[] flags)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var rc = GupBenchmarkTool.Run([.. flags, "-m", "2", "-r", "3"], output, error);

        Assert.Equal(0, rc);
        Assert.Equal(string.Empty, error.ToString());
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Matches(TimeLine(), line));
    }

    [Fact]
    public void Shared_file_long_term_write_pin_is_refused_as_mainline_refuses_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gup-bench-{Guid.NewGuid():N}.bin");
        try
        {
            var output = new StringWriter();

            // The benchmark stops at the first failed call and reports how far it got, as the kernel's does.
            Assert.Equal(0, GupBenchmarkTool.Run(["-L", "-w", "-S", "-f", path, "-m", "1"], output, new StringWriter()));
            Assert.EndsWith(", truncated (size: 0)", output.ToString().TrimEnd(), StringComparison.Ordinal);

            // Read-only long-term pins of the file, and short-term write pins, are fine.
            foreach (var fine in new[] { new[] { "-L", "-S", "-f", path, "-m", "1" }, ["-b", "-w", "-S", "-f", path, "-m", "1"] })
            {
                output = new StringWriter();
                Assert.Equal(0, GupBenchmarkTool.Run(fine, output, new StringWriter()));
                Assert.DoesNotContain("truncated", output.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Unknown_flag_is_rejected()
    {
        Assert.Equal(-1, GupBenchmarkTool.Run(["-q"], new StringWriter(), new StringWriter()));
    }

    [Theory]
    [InlineData(BenchmarkCommand.GupFast, false)]
    [InlineData(BenchmarkCommand.Gup, false)]
    [InlineData(BenchmarkCommand.PinFast, true)]
    [InlineData(BenchmarkCommand.Pin, true)]
    [InlineData(BenchmarkCommand.PinLongterm, true)]
    public void Ioctl_covers_the_range_and_gives_every_reference_back(BenchmarkCommand cmd, bool pins)
    {
        using var memory = new PhysicalMemory(normalPages: 256);
        using var mm = new AddressSpace(memory);
        var addr = mm.Mmap(64 * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        mm.Fill(addr, 64 * PhysicalMemory.PageSize, 1);
        mm.TryGetMappedPage(addr, out var first);
        var refsBefore = first.RefCount;
        var gup = new GupBenchmarkArgs { Addr = addr, Size = 64 * PhysicalMemory.PageSize, NrPagesPerCall = 7, Flags = GupFlags.Write | GupFlags.Force };

        Assert.Equal(0, GupBenchmarkModule.Ioctl(mm, cmd, ref gup));

        Assert.Equal(64UL * PhysicalMemory.PageSize, gup.Size);
        Assert.Equal(GupFlags.Write, gup.Flags);
        Assert.Equal(pins ? 64 : 0, memory.VmStat.NrFollPinAcquired);
        Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        Assert.Equal(refsBefore, first.RefCount);
    }

    [Fact]
    public void Ioctl_reports_a_truncated_size_when_the_range_runs_past_the_mapping()
    {
        using var memory = new PhysicalMemory(normalPages: 256);
        using var mm = new AddressSpace(memory);
        var addr = mm.Mmap(10 * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        mm.Fill(addr, 10 * PhysicalMemory.PageSize, 1);
        var gup = new GupBenchmarkArgs { Addr = addr, Size = 16 * PhysicalMemory.PageSize, NrPagesPerCall = 4 };

        Assert.Equal(0, GupBenchmarkModule.Ioctl(mm, BenchmarkCommand.Pin, ref gup));

        // Chunks of 4: 4 + 4 + 2 (short, the loop stops) = 10 pages.
        Assert.Equal(10UL * PhysicalMemory.PageSize, gup.Size);
        Assert.Equal(10, memory.VmStat.NrFollPinAcquired);
        Assert.Equal(10, memory.VmStat.NrFollPinReleased);
    }

    [GeneratedRegex(@"^Time: get:\d+ put:\d+ us$")]
    private static partial Regex TimeLine();
}
