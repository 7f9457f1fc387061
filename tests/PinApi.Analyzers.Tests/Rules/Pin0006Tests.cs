using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0006: releasing the requested count where the acquire may have taken fewer (KERNEL.md §10 rule 7).</summary>
public class Pin0006Tests
{
    [Fact]
    public Task KernelDocWrongExampleSlice() => VerifyAsync("""
        class Rule7
        {
            static void Run(AddressSpace mm, ulong a, int k)
            {
                var p = new Page[k];
                long r = {|#1:Gup.PinUserPages(mm, a, k, GupFlags.None, p)|};
                if (r <= 0)
                    return;
                Gup.UnpinUserPages(p.AsSpan(0, {|#0:k|}));
            }
        }
        """, DiagnosticWithPath("PIN0006", 1).WithArguments("UnpinUserPages", "k", "PinUserPages", "'r' is not checked against it on this path"));

    [Fact]
    public Task RangeReleaseOfTheRequestedCount() => VerifyAsync("""
        class Vfio
        {
            static void Run(AddressSpace mm, ulong vaddr, long npage)
            {
                var pages = new Page[npage];
                long ret = Gup.PinUserPagesRemote(mm, vaddr, npage, GupFlags.Write, pages);
                if (ret < 0)
                    return;
                Gup.UnpinUserPageRangeDirtyLock(pages[0], {|#0:npage|}, true);
            }
        }
        """, Diagnostic("PIN0006"));

    [Fact]
    public Task ElementLoopBoundIsTheRequestedCount() => VerifyAsync("""
        class Qib
        {
            static void Run(AddressSpace mm, ulong start, int num)
            {
                var p = new Page[num];
                int got = Gup.PinUserPagesFast(mm, start, num, GupFlags.Write, p);
                if (got < 0)
                    return;
                for (int i = 0; i < {|#0:num|}; i++)
                    Gup.UnpinUserPage(p[i]);
            }
        }
        """, Diagnostic("PIN0006").WithArguments("UnpinUserPage", "num", "PinUserPagesFast", "'got' is not checked against it on this path"));

    [Fact]
    public Task ReturnValueDiscarded() => VerifyAsync("""
        class Drm
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[8];
                Gup.GetUserPages(mm, addr, 8, GupFlags.None, pages);
                foreach (var page in pages.AsSpan(0, {|#0:8|}))
                    Gup.PutPage(page);
            }
        }
        """, Diagnostic("PIN0006").WithArguments("PutPage", "8", "GetUserPages", "its return value is not kept"));

    [Fact]
    public Task RangeSyntaxWithRequestedCount() => VerifyAsync("""
        class Xdp
        {
            static void Run(AddressSpace mm, ulong addr, int npgs)
            {
                var pages = new Page[npgs];
                int pinned = {|#1:Gup.PinUserPagesFast(mm, addr, npgs, GupFlags.Longterm, pages)|};
                if (pinned <= 0)
                    return;
                Gup.UnpinUserPages(pages.AsSpan()[..{|#0:npgs|}]);
            }
        }
        """, Diagnostic("PIN0006"), Diagnostic("PIN0204", 1));

    // ----- correct code: silent -----

    [Fact]
    public Task KernelDocRightExample() => VerifyAsync("""
        class Rule7
        {
            static long Run(AddressSpace mm, ulong a, int k)
            {
                var p = new Page[k];
                long r = Gup.PinUserPages(mm, a, k, GupFlags.None, p);
                if (r < 0)
                    return r;
                if (r != k)
                {
                    Gup.UnpinUserPages(p.AsSpan(0, (int)r));
                    return -(int)Errno.EFAULT;
                }
                Gup.UnpinUserPages(p.AsSpan(0, k));
                return 0;
            }
        }
        """);

    [Fact]
    public Task ReleasesTheReturnedCount() => VerifyAsync("""
        class Vfio
        {
            static void Run(AddressSpace mm, ulong vaddr, long npage)
            {
                var pages = new Page[npage];
                long ret = Gup.PinUserPagesRemote(mm, vaddr, npage, GupFlags.Write, pages);
                if (ret <= 0)
                    return;
                Gup.UnpinUserPageRangeDirtyLock(pages[0], ret, true);
            }
        }
        """);

    [Fact]
    public Task LoopBoundIsTheReturnedCount() => VerifyAsync("""
        class Qib
        {
            static void Run(AddressSpace mm, ulong start, int num)
            {
                var p = new Page[num];
                int got = Gup.PinUserPagesFast(mm, start, num, GupFlags.Write, p);
                for (int i = 0; i < got; i++)
                    Gup.UnpinUserPage(p[i]);
            }
        }
        """);

    [Fact]
    public Task CheckedEqualThenRequestedCountLoop() => VerifyAsync("""
        class Goldfish
        {
            static int Run(AddressSpace mm, ulong address, int requested)
            {
                var pages = new Page[requested];
                int ret = Gup.PinUserPagesFast(mm, address, requested, GupFlags.None, pages);
                if (ret == requested)
                {
                    for (int i = 0; i < requested; i++)
                        Gup.UnpinUserPage(pages[i]);
                    return 0;
                }
                if (ret > 0)
                    Gup.UnpinUserPages(pages.AsSpan(0, ret));
                return -(int)Errno.EFAULT;
            }
        }
        """);

    [Fact]
    public Task SinglePageRangeOfOneAfterCheck() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                long got = Gup.PinUserPagesUnlocked(mm, addr, 1, GupFlags.Write, pages);
                if (got != 1)
                    return;
                Gup.UnpinUserPageRangeDirtyLock(pages[0], 1, true);
            }
        }
        """);
}
