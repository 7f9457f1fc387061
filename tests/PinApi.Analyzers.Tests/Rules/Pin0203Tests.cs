using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0203: a caller passing an internal flag (FOLL_GET, FOLL_PIN, FOLL_TOUCH, FOLL_REMOTE, …) that only the entry
/// points set (KERNEL.md §3.3 step 1, §10 rules 2 and 3).
/// </summary>
public class Pin0203Tests
{
    [Fact]
    public Task PinFlagPassedToGetUserPages() => VerifyAsync("""
        class Videobuf
        {
            static void Run(AddressSpace mm, ulong data)
            {
                var pages = new Page[1];
                if (Gup.GetUserPages(mm, data, 1, {|#0:GupFlags.Pin | GupFlags.Write|}, pages) == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0203").WithArguments("GetUserPages", "", "GupFlags.Pin", "it"));

    [Fact]
    public Task GetFlagPassedToPinUserPagesFast() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, {|#0:GupFlags.Get|}, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0203").WithArguments("PinUserPagesFast", "", "GupFlags.Get", "it"));

    [Fact]
    public Task TouchThroughALocal() => VerifyAsync("""
        class Qib
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var flags = GupFlags.Write;
                flags |= GupFlags.Touch;
                var pages = new Page[1];
                if (Gup.PinUserPages(mm, addr, 1, {|#0:flags|}, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0203").WithArguments("PinUserPages", "", "GupFlags.Touch", "it"));

    [Fact]
    public Task SeveralInternalFlagsAreNamedTogether() => VerifyAsync("""
        class ProcessVmAccess
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesRemote(mm, addr, 1, {|#0:GupFlags.Remote | GupFlags.Pin|}, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0203").WithArguments("PinUserPagesRemote", "s", "GupFlags.Remote, GupFlags.Pin", "them"));

    [Fact]
    public Task InternalFlagOnOneArmOfAConditional() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong addr, bool retry)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesUnlocked(mm, addr, 1, {|#0:retry ? GupFlags.Tried : GupFlags.None|}, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0203").WithArguments("PinUserPagesUnlocked", "", "GupFlags.Tried", "it"));

    // ----- correct code: silent -----

    [Fact]
    public Task PublicFlagsOnly() => VerifyAsync("""
        class IbUmem
        {
            private Page[] pageList = Array.Empty<Page>();

            public int Get(AddressSpace mm, ulong addr, int n, bool writable)
            {
                var gupFlags = GupFlags.Longterm | GupFlags.Force;
                if (writable)
                    gupFlags |= GupFlags.Write;
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, addr, n, gupFlags, pages);
                if (got <= 0)
                    return -(int)Errno.EFAULT;
                pageList = pages;
                return got;
            }
        }
        """);

    [Fact]
    public Task FlagsParameterOfUnknownValue() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong addr, GupFlags flags)
            {
                var pages = new Page[1];
                if (Gup.PinUserPages(mm, addr, 1, flags, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """);
}
