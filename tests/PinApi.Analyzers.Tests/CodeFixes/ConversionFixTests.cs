using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>
/// The GET→PIN conversion offered by PIN0201 and PIN0205: exact results, FixAll in every scope (run by the
/// framework), and the fixed code run against the library to show it now works where the original was refused.
/// </summary>
public class ConversionFixTests
{
    private const string LongtermGet = """
        static class Ring
        {
            public static long Register(AddressSpace mm, ulong addr)
            {
                var pages = new Page[4];
                var n = {|#0:Gup.GetUserPages(mm, addr, 4, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (n <= 0)
                    return n;
                // io_uring keeps them until unregister; here they are dropped at once
                for (var i = 0; i < n; i++)
                    Gup.PutPage(pages[i]);
                return n;
            }
        }
        """;

    private const string LongtermPin = """
        static class Ring
        {
            public static long Register(AddressSpace mm, ulong addr)
            {
                var pages = new Page[4];
                var n = Gup.PinUserPages(mm, addr, 4, GupFlags.Write | GupFlags.Longterm, pages);
                if (n <= 0)
                    return n;
                // io_uring keeps them until unregister; here they are dropped at once
                for (var i = 0; i < n; i++)
                    Gup.UnpinUserPage(pages[i]);
                return n;
            }
        }
        """;

    [Fact]
    public Task Pin0201ConvertsTheAcquireAndItsReleaseLoop() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync(
        LongtermGet,
        LongtermPin,
        PinFixKeys.ConvertAcquireToPin,
        [Diagnostic("PIN0201")],
        [DiagnosticAt("PIN0204", 10, 17, 89)]);

    [Fact]
    public void Pin0201ConversionTurnsAMainlineRefusalIntoBalancedPins()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(4);
        using (memory)
        {
            // get_user_pages()/pin_user_pages() run under the caller's mmap lock.
            using var locked = mm.MmapReadLock();
            var refused = (long)FixedCodeRunner.Run(LongtermGet.Replace("{|#0:", string.Empty).Replace("|}", string.Empty), "Ring", "Register", mm, address)!;
            Assert.Equal(-(long)Errno.EINVAL, refused);
            Assert.Equal(0, memory.VmStat.NrFollPinAcquired);

            var pinned = (long)FixedCodeRunner.Run(LongtermPin, "Ring", "Register", mm, address)!;
            Assert.Equal(4, pinned);
            Assert.Equal(4, memory.VmStat.NrFollPinAcquired);
            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }

    private const string DmaOfGetPages = """
        static class Capture
        {
            public static byte Run(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                var n = Gup.GetUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n != 2)
                {
                    for (var i = 0; i < n; i++)
                        Gup.PutPage(pages[i]);
                    return 0;
                }

                using (var sg = {|#0:dev.MapPages(pages)|})
                    sg.DeviceWrite(0, new byte[] { 0x5a });
                var seen = pages[0].Data[0];
                Gup.SetPageDirtyLock(pages[0]);
                Gup.SetPageDirtyLock(pages[1]);
                Gup.PutPage(pages[0]);
                Gup.PutPage(pages[1]);
                return seen;
            }
        }
        """;

    private const string DmaOfPinnedPages = """
        static class Capture
        {
            public static byte Run(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n != 2)
                {
                    for (var i = 0; i < n; i++)
                        Gup.UnpinUserPage(pages[i]);
                    return 0;
                }

                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 0x5a });
                var seen = pages[0].Data[0];
                Gup.SetPageDirtyLock(pages[0]);
                Gup.SetPageDirtyLock(pages[1]);
                Gup.UnpinUserPage(pages[0]);
                Gup.UnpinUserPage(pages[1]);
                return seen;
            }
        }
        """;

    [Fact]
    public Task Pin0205ConvertsEveryReleaseOnEveryPath() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync(
        DmaOfGetPages,
        DmaOfPinnedPages,
        PinFixKeys.ConvertAcquireToPin,
        Diagnostic("PIN0205"));

    [Fact]
    public void Pin0205ConversionMakesTheDeviceWriteVisibleToTheKernel()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(2);
        using (memory)
        {
            var device = new DmaDevice(memory, "capture");
            Assert.Equal((byte)0x5a, (byte)FixedCodeRunner.Run(DmaOfGetPages.Replace("{|#0:", string.Empty).Replace("|}", string.Empty), "Capture", "Run", mm, address, device)!);
            var unpinnedBefore = device.UnpinnedWrites;
            Assert.True(unpinnedBefore > 0);

            Assert.Equal((byte)0x5a, (byte)FixedCodeRunner.Run(DmaOfPinnedPages, "Capture", "Run", mm, address, device)!);
            Assert.Equal(unpinnedBefore, device.UnpinnedWrites);
            Assert.Equal(2, memory.VmStat.NrFollPinAcquired);
            Assert.Equal(2, memory.VmStat.NrFollPinReleased);
        }
    }

    [Fact]
    public Task Pin0201InAnotherObjectConvertsTheAcquireOnly() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class Umem
        {
            public Page[] Pages = new Page[8];
        }

        static class Xdp
        {
            public static long Pin(AddressSpace mm, ulong addr, Umem umem) =>
                {|#0:Gup.GetUserPages(mm, addr, umem.Pages.Length, GupFlags.Write | GupFlags.Longterm, umem.Pages)|};
        }
        """, """
        class Umem
        {
            public Page[] Pages = new Page[8];
        }

        static class Xdp
        {
            public static long Pin(AddressSpace mm, ulong addr, Umem umem) =>
                Gup.PinUserPages(mm, addr, umem.Pages.Length, GupFlags.Write | GupFlags.Longterm, umem.Pages);
        }
        """, PinFixKeys.ConvertAcquireToPin, Diagnostic("PIN0201"));

    [Fact]
    public Task Pin0201OnAFieldConvertsTheReleasesInTheTypesOtherMethods() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class VideobufDma
        {
            private readonly Page[] pages = new Page[4];
            private long nrPages;

            public long Map(AddressSpace mm, ulong addr)
            {
                nrPages = {|#0:Gup.GetUserPages(mm, addr, 4, GupFlags.Write | GupFlags.Longterm, pages)|};
                return nrPages;
            }

            public void Free()
            {
                for (var i = 0; i < nrPages; i++)
                {
                    Gup.SetPageDirtyLock(pages[i]);
                    Gup.PutPage(pages[i]);
                }
            }
        }
        """, """
        class VideobufDma
        {
            private readonly Page[] pages = new Page[4];
            private long nrPages;

            public long Map(AddressSpace mm, ulong addr)
            {
                nrPages = Gup.PinUserPages(mm, addr, 4, GupFlags.Write | GupFlags.Longterm, pages);
                return nrPages;
            }

            public void Free()
            {
                for (var i = 0; i < nrPages; i++)
                {
                    Gup.SetPageDirtyLock(pages[i]);
                    Gup.UnpinUserPage(pages[i]);
                }
            }
        }
        """, PinFixKeys.ConvertAcquireToPin, Diagnostic("PIN0201"));

    [Fact]
    public Task Pin0201InAnotherObjectConvertsTheGetReleasesOfTheSameMember() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class VideobufDmabuf
        {
            public Page[] Pages = new Page[4];
        }

        static class VideobufDmaSg
        {
            public static long Init(AddressSpace mm, ulong data, VideobufDmabuf dma) =>
                {|#0:Gup.GetUserPages(mm, data, dma.Pages.Length, GupFlags.Write | GupFlags.Longterm, dma.Pages)|};

            public static void Free(VideobufDmabuf dma, long nrPages)
            {
                for (var i = 0; i < nrPages; i++)
                {
                    var page = dma.Pages[i];
                    Gup.SetPageDirtyLock(page);
                    Gup.PutPage(page);
                }
            }
        }
        """, """
        class VideobufDmabuf
        {
            public Page[] Pages = new Page[4];
        }

        static class VideobufDmaSg
        {
            public static long Init(AddressSpace mm, ulong data, VideobufDmabuf dma) =>
                Gup.PinUserPages(mm, data, dma.Pages.Length, GupFlags.Write | GupFlags.Longterm, dma.Pages);

            public static void Free(VideobufDmabuf dma, long nrPages)
            {
                for (var i = 0; i < nrPages; i++)
                {
                    var page = dma.Pages[i];
                    Gup.SetPageDirtyLock(page);
                    Gup.UnpinUserPage(page);
                }
            }
        }
        """, PinFixKeys.ConvertAcquireToPin, Diagnostic("PIN0201"));

    [Fact]
    public Task Pin0201OffersNoConversionWhenATakesOwnershipCalleeReleasesThePages()
    {
        // vfio's vaddr_get_pfn(): the page travels on as a pfn and put_pfn() releases it with put_page(); converting
        // the acquire alone would leave that put_page() on a pin.
        const string source = """
            static class Vfio
            {
                static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

                static long VaddrGetPfn(AddressSpace mm, ulong vaddr, out long pfn)
                {
                    pfn = 0;
                    var page = new Page[1];
                    var ret = {|#0:Gup.GetUserPagesUnlocked(mm, vaddr, 1, GupFlags.Write | GupFlags.Longterm, page)|};
                    if (ret == 1)
                        pfn = PageToPfn(page[0]);
                    return ret;
                }
            }
            """;
        return PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync(
            source, source, PinFixKeys.ConvertAcquireToPin, [Diagnostic("PIN0201")], [Diagnostic("PIN0201")], iterations: 0);
    }
}
