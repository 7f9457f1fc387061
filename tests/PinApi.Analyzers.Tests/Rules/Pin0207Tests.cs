using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0207: a flag the gup-fast variants refuse (KERNEL.md §10 rule 20: gup_fast_fallback() accepts only WRITE,
/// LONGTERM, FORCE, NOFAULT, PCI_P2PDMA and HONOR_NUMA_FAULT; seed #8 added FORCE).
/// </summary>
public class Pin0207Tests
{
    [Fact]
    public Task NowaitOnGetUserPagesFast() => VerifyAsync("""
        class Drm
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, addr, 1, {|#0:GupFlags.Nowait|}, pages) == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0207").WithArguments("GetUserPagesFast", "GupFlags.Nowait"));

    [Fact]
    public Task DumpOnPinUserPagesFast() => VerifyAsync("""
        class Coredump
        {
            static void Run(AddressSpace mm, ulong addr, byte[] dst)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, {|#0:GupFlags.Dump|}, pages) != 1)
                    return;
                pages[0].Data.Slice(0, dst.Length).CopyTo(dst);
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0207").WithArguments("PinUserPagesFast", "GupFlags.Dump"));

    [Fact]
    public Task AnonThroughALocalOnTheFastOnlyVariant() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var flags = GupFlags.Write;
                flags |= GupFlags.Anon;
                var pages = new Page[1];
                if (Gup.PinUserPagesFastOnly(mm, addr, 1, {|#0:flags|}, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0207").WithArguments("PinUserPagesFastOnly", "GupFlags.Anon"));

    [Fact]
    public Task SeveralRefusedFlagsAreNamedTogether() => VerifyAsync("""
        class Usnic
        {
            static void Run(AddressSpace mm, ulong addr, bool poison)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, addr, 1, {|#0:GupFlags.Write | GupFlags.Nowait | (poison ? GupFlags.Hwpoison : GupFlags.None)|}, pages) == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0207").WithArguments("GetUserPagesFast", "GupFlags.Nowait, GupFlags.Hwpoison"));

    [Fact]
    public Task InternalFlagsAreLeftToPin0203() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, {|#0:GupFlags.Touch | GupFlags.Nowait|}, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """,
        Diagnostic("PIN0207").WithArguments("PinUserPagesFast", "GupFlags.Nowait"),
        Diagnostic("PIN0203").WithArguments("PinUserPagesFast", "", "GupFlags.Touch", "it"));

    // ----- correct code: silent -----

    [Fact]
    public Task WriteLongtermForceOnTheFastPath() => VerifyAsync("""
        class Qib
        {
            private Page[] pages = Array.Empty<Page>();

            public int Pin(AddressSpace mm, ulong start, int n)
            {
                var local = new Page[n];
                int got = Gup.PinUserPagesFast(mm, start, n, GupFlags.Write | GupFlags.Longterm | GupFlags.Force, local);
                if (got <= 0)
                    return got;
                pages = local;
                return got;
            }
        }
        """);

    [Fact]
    public Task NofaultAndHonorNumaFaultAreAccepted() => VerifyAsync("""
        class Kvm
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFastOnly(mm, addr, 1, GupFlags.Nofault | GupFlags.HonorNumaFault | GupFlags.PciP2pdma, pages) == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """);

    [Fact]
    public Task NowaitOnTheSlowVariant() => VerifyAsync("""
        class Drm
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                long got;
                using (mm.MmapReadLock())
                    got = Gup.GetUserPages(mm, addr, 1, GupFlags.Nowait | GupFlags.Dump | GupFlags.Anon, pages);
                if (got == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """);
}
