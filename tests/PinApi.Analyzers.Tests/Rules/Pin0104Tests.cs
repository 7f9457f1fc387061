using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0104: page data written through a pin taken without GupFlags.Write (KERNEL.md §6, §10 rule 13: "If gup_flags &amp;
/// FOLL_WRITE == 0, the page must not be written to").
/// </summary>
public class Pin0104Tests
{
    [Fact]
    public Task IndexedStoreIntoPageData() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                {|#0:pages[0].Data|}[0] = 1;
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0104").WithArguments("'pages[0].Data'", "pages", "PinUserPagesFast"));

    [Fact]
    public Task CopyToPageData() => VerifyAsync("""
        class ProcessVmAccess
        {
            static void Write(AddressSpace mm, ulong addr, byte[] src)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Force, pages) != 1)
                    return;
                src.AsSpan().CopyTo({|#0:pages[0].Data|});
                Gup.UnpinUserPages(pages);
            }
        }
        """, Diagnostic("PIN0104"));

    [Fact]
    public Task FillPageData() => VerifyAsync("""
        class Qib
        {
            static void Clear(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPages(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                {|#0:pages[0].Data|}.Fill(0);
                Gup.UnpinUserPages(pages);
            }
        }
        """, Diagnostic("PIN0104"));

    [Fact]
    public Task DeviceWritesIntoAReadOnlyPin() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Capture(AddressSpace mm, ulong data, DmaDevice dev)
            {
                var pages = new Page[2];
                long got = Gup.PinUserPages(mm, data, 2, GupFlags.None, pages);
                if (got != 2)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                using (var sg = {|#0:dev.MapPages(pages)|})
                    sg.DeviceWrite(0, new byte[] { 1 });
                Gup.UnpinUserPages(pages);
            }
        }
        """, Diagnostic("PIN0104").WithArguments("'MapPages' (a device that writes)", "pages", "PinUserPages"));

    [Fact]
    public Task StoreThroughASliceOfPageData() => VerifyAsync("""
        class Goldfish
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                {|#0:pages[0].Data|}.Slice(8)[0] = 0x5a;
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0104"));

    // ----- correct code: silent -----

    [Fact]
    public Task ReadingPageDataNeedsNoWrite() => VerifyAsync("""
        class ProcessVmAccess
        {
            static void Read(AddressSpace mm, ulong addr, byte[] dst)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                pages[0].Data.CopyTo(dst);
                byte first = pages[0].Data[0];
                Gup.UnpinUserPages(pages);
            }
        }
        """);

    [Fact]
    public Task WritePinWrittenAndDirtied() => VerifyAsync("""
        class ProcessVmAccess
        {
            static void Write(AddressSpace mm, ulong addr, byte[] src)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                src.AsSpan().CopyTo(pages[0].Data);
                pages[0].Data.Fill(0);
                Gup.UnpinUserPagesDirtyLock(pages, true);
            }
        }
        """);

    [Fact]
    public Task WritesOnlyWhereTheConditionalFlagsMayHoldWrite() => VerifyAsync("""
        class GoldfishPipe
        {
            static void Transfer(AddressSpace mm, ulong address, bool isWrite, byte[] data)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, address, 1, isWrite ? GupFlags.None : GupFlags.Write, pages) != 1)
                    return;
                if (!isWrite)
                    data.AsSpan(0, 16).CopyTo(pages[0].Data);
                Gup.UnpinUserPagesDirtyLock(pages, !isWrite);
            }
        }
        """);
}
