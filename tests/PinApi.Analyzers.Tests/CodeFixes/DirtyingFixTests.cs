using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>PIN0101 (dirty on release, three shapes) and PIN0102 (SetPageDirtyLock), with the fixed code run on the library.</summary>
public class DirtyingFixTests
{
    private const string CaptureUndirtied = """
        static class Videobuf
        {
            public static bool Capture(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n != 2)
                {
                    if (n > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, n));
                    return false;
                }

                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1, 2, 3 });
                var dirty = pages[0].IsDirty;
                {|#0:Gup.UnpinUserPages(pages)|};
                return dirty;
            }
        }
        """;

    private const string CaptureDirtied = """
        static class Videobuf
        {
            public static bool Capture(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n != 2)
                {
                    if (n > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, n));
                    return false;
                }

                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1, 2, 3 });
                var dirty = pages[0].IsDirty;
                Gup.UnpinUserPagesDirtyLock(pages, true);
                return dirty;
            }
        }
        """;

    [Fact]
    public Task Pin0101UsesTheDirtyingRelease() => PinCodeFixTest<DirtyingCodeFixProvider>.VerifyAsync(CaptureUndirtied, CaptureDirtied, PinFixKeys.DirtyOnRelease, Diagnostic("PIN0101"));

    [Fact]
    public void Pin0101FixLeavesTheDeviceDataDirtyAfterRelease()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(2);
        using (memory)
        {
            var device = new DmaDevice(memory, "capture");
            FixedCodeRunner.Run(CaptureUndirtied.Replace("{|#0:", string.Empty).Replace("|}", string.Empty), "Videobuf", "Capture", mm, address, device);
            Assert.True(mm.TryGetMappedPage(address, out var page));
            Assert.False(page.IsDirty);

            FixedCodeRunner.Run(CaptureDirtied, "Videobuf", "Capture", mm, address, device);
            Assert.True(mm.TryGetMappedPage(address, out page));
            Assert.True(page.IsDirty);
            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }

    [Fact]
    public Task Pin0101TurnsAConstantFalseIntoTrue() => PinCodeFixTest<DirtyingCodeFixProvider>.VerifyAsync("""
        static class Goldfish
        {
            static void Transfer(AddressSpace mm, ulong addr, byte[] data)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                data.CopyTo(pages[0].Data);
                {|#0:Gup.UnpinUserPagesDirtyLock(pages, /* was dirty */ false)|};
            }
        }
        """, """
        static class Goldfish
        {
            static void Transfer(AddressSpace mm, ulong addr, byte[] data)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                data.CopyTo(pages[0].Data);
                Gup.UnpinUserPagesDirtyLock(pages, /* was dirty */ true);
            }
        }
        """, PinFixKeys.DirtyOnRelease, Diagnostic("PIN0101"));

    internal const string DirtiedPerPage = """
        static class ProcessVm
        {
            static void Write(AddressSpace mm, ulong addr, byte value)
            {
                var pages = new Page[4];
                var n = Gup.PinUserPagesFast(mm, addr, 4, GupFlags.Write, pages);
                for (var i = 0; i < n; i++)
                    pages[i].Data[0] = value;
                for (var i = 0; i < n; i++)
                {
                    Gup.SetPageDirtyLock(pages[i]);
                    Gup.UnpinUserPage(pages[i]);
                }
            }
        }
        """;

    [Fact]
    public Task Pin0101PutsSetPageDirtyLockBeforeAPerPageRelease() => PinCodeFixTest<DirtyingCodeFixProvider>.VerifyAsync("""
        static class ProcessVm
        {
            static void Write(AddressSpace mm, ulong addr, byte value)
            {
                var pages = new Page[4];
                var n = Gup.PinUserPagesFast(mm, addr, 4, GupFlags.Write, pages);
                for (var i = 0; i < n; i++)
                    pages[i].Data[0] = value;
                for (var i = 0; i < n; i++)
                    {|#0:Gup.UnpinUserPage(pages[i])|};
            }
        }
        """, DirtiedPerPage, PinFixKeys.DirtyOnRelease, Diagnostic("PIN0101"));

    internal const string DirtiedUnderThePageLock = """
        static class Goldfish
        {
            static void Release(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n != 2)
                {
                    if (n > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, n));
                    return;
                }

                Gup.SetPageDirtyLock(pages[0]); // release_user_pages()
                Gup.SetPageDirtyLock(pages[1]);
                Gup.UnpinUserPages(pages);
            }
        }
        """;

    [Fact]
    public Task Pin0102RenamesToSetPageDirtyLockEverywhere() => PinCodeFixTest<DirtyingCodeFixProvider>.VerifyAsync("""
        static class Goldfish
        {
            static void Release(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n != 2)
                {
                    if (n > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, n));
                    return;
                }

                {|#0:Gup.SetPageDirty(pages[0])|}; // release_user_pages()
                {|#1:Gup.SetPageDirty(pages[1])|};
                Gup.UnpinUserPages(pages);
            }
        }
        """, DirtiedUnderThePageLock, PinFixKeys.UseSetPageDirtyLock, Diagnostic("PIN0102", 0), Diagnostic("PIN0102", 1));
}
