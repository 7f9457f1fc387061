using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>The flag fixes (PIN0103/PIN0104 add Write, PIN0206 adds Longterm, PIN0204/PIN0203 remove, PIN0202 drops locked).</summary>
public class FlagsFixTests
{
    private const string ReadOnlyPinWritten = """
        static class Goldfish
        {
            public static byte Transfer(AddressSpace mm, ulong addr, byte value)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, {|#1:GupFlags.None|}, pages) != 1)
                    return 0;
                {|#0:pages[0].Data|}[0] = value;
                Gup.UnpinUserPagesDirtyLock(pages, true);
                return pages.Length > 0 ? value : (byte)0;
            }
        }
        """;

    private const string WritablePinWritten = """
        static class Goldfish
        {
            public static byte Transfer(AddressSpace mm, ulong addr, byte value)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return 0;
                pages[0].Data[0] = value;
                Gup.UnpinUserPagesDirtyLock(pages, true);
                return pages.Length > 0 ? value : (byte)0;
            }
        }
        """;

    [Fact]
    public Task Pin0104AndPin0103AddOneWriteFlag() => PinCodeFixTest<FlagsCodeFixProvider>.VerifyAsync(
        ReadOnlyPinWritten.Replace("{|#1:GupFlags.None|}", "GupFlags.None"),
        WritablePinWritten,
        PinFixKeys.AddWriteFlag,
        [Diagnostic("PIN0104"), DiagnosticAt("PIN0103", 13, 9, 49)],
        [],
        iterations: 1);

    [Fact]
    public void Pin0104FixBreaksCowBeforeTheWrite()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(1);
        using (memory)
        {
            // The fixed code writes through a writable pin and dirties it: the process sees the byte afterwards.
            Assert.Equal((byte)0x77, (byte)FixedCodeRunner.Run(WritablePinWritten, "Goldfish", "Transfer", mm, address, (byte)0x77)!);
            var readBack = new byte[1];
            Assert.Equal(0, mm.Read(address, readBack));
            Assert.Equal(0x77, readBack[0]);
            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }

    internal const string ConditionalFlagsWithWrite = """
        static class Umem
        {
            static void Release(AddressSpace mm, ulong addr, bool force)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPages(mm, addr, 2, (force ? GupFlags.Force : GupFlags.None) | GupFlags.Write, pages);
                if (n <= 0)
                    return;
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)n), true);
            }
        }
        """;

    [Fact]
    public Task Pin0103AddsWriteToAConditionalFlagsExpression() => PinCodeFixTest<FlagsCodeFixProvider>.VerifyAsync("""
        static class Umem
        {
            static void Release(AddressSpace mm, ulong addr, bool force)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPages(mm, addr, 2, force ? GupFlags.Force : GupFlags.None, pages);
                if (n <= 0)
                    return;
                {|#0:Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)n), true)|};
            }
        }
        """, ConditionalFlagsWithWrite, PinFixKeys.AddWriteFlag, Diagnostic("PIN0103"));

    internal const string KeptWithLongterm = """
        class Vfio
        {
            private Page[]? kept;

            public long Map(AddressSpace mm, ulong vaddr)
            {
                var page = new Page[1];
                var ret = Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.Write | GupFlags.Longterm, page);
                if (ret == 1)
                    kept = page;
                return ret;
            }

            public void Unmap()
            {
                if (kept is not null)
                    Gup.UnpinUserPagesDirtyLock(kept, true);
            }
        }
        """;

    [Fact]
    public Task Pin0206AddsLongtermWherePagesAreKept() => PinCodeFixTest<FlagsCodeFixProvider>.VerifyAsync("""
        class Vfio
        {
            private Page[]? kept;

            public long Map(AddressSpace mm, ulong vaddr)
            {
                var page = new Page[1];
                var ret = {|#0:Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.Write, page)|};
                if (ret == 1)
                    kept = page;
                return ret;
            }

            public void Unmap()
            {
                if (kept is not null)
                    Gup.UnpinUserPagesDirtyLock(kept, true);
            }
        }
        """, KeptWithLongterm, PinFixKeys.AddLongtermFlag, Diagnostic("PIN0206"));

    internal const string ShortTermPin = """
        static class Probe
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """;

    [Fact]
    public Task Pin0204RemovesLongtermAndKeepsTheOtherFlags() => PinCodeFixTest<FlagsCodeFixProvider>.VerifyAsync("""
        static class Probe
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if ({|#0:Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write | GupFlags.Longterm, pages)|} != 1)
                    return;
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, ShortTermPin, PinFixKeys.RemoveLongtermFlag, new Microsoft.CodeAnalysis.Testing.DiagnosticResult("PIN0204", Microsoft.CodeAnalysis.DiagnosticSeverity.Info).WithLocation(0).WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations));

    internal const string CallersWithoutInternalFlags = """
        static class Callers
        {
            static long A(AddressSpace mm, ulong addr, Page[] pages) =>
                Gup.PinUserPagesUnlocked(mm, addr, pages.Length, GupFlags.Write, pages);

            static long B(AddressSpace mm, ulong addr, Page[] pages) =>
                Gup.GetUserPagesUnlocked(mm, addr, pages.Length, GupFlags.None, pages);
        }
        """;

    [Fact]
    public Task Pin0203RemovesInternalFlagsInEveryDocument() => PinCodeFixTest<FlagsCodeFixProvider>.VerifyAsync("""
        static class Callers
        {
            static long A(AddressSpace mm, ulong addr, Page[] pages) =>
                Gup.PinUserPagesUnlocked(mm, addr, pages.Length, {|#0:GupFlags.Pin | GupFlags.Write|}, pages);

            static long B(AddressSpace mm, ulong addr, Page[] pages) =>
                Gup.GetUserPagesUnlocked(mm, addr, pages.Length, {|#1:GupFlags.Touch|}, pages);
        }
        """, CallersWithoutInternalFlags, PinFixKeys.RemoveInternalFlags, Diagnostic("PIN0203", 0), Diagnostic("PIN0203", 1));

    internal const string RemoteWithoutLocked = """
        static class ProcessVm
        {
            static long Pin(AddressSpace mm, ulong addr, Page[] pages)
            {
                var locked = true;
                var lockHandle = mm.MmapReadLock();
                var n = Gup.PinUserPagesRemote(mm, addr, pages.Length, GupFlags.Longterm, pages);
                if (locked)
                    lockHandle.Dispose();
                return n;
            }
        }
        """;

    [Fact]
    public Task Pin0202DropsLockedAndKeepsTheCallersUnlock() => PinCodeFixTest<FlagsCodeFixProvider>.VerifyAsync("""
        static class ProcessVm
        {
            static long Pin(AddressSpace mm, ulong addr, Page[] pages)
            {
                var locked = true;
                var lockHandle = mm.MmapReadLock();
                var n = {|#0:Gup.PinUserPagesRemote(mm, addr, pages.Length, GupFlags.Longterm, pages, ref locked)|};
                if (locked)
                    lockHandle.Dispose();
                return n;
            }
        }
        """, RemoteWithoutLocked, PinFixKeys.DropLocked, Diagnostic("PIN0202"));
}
