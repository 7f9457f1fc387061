using Microsoft.CodeAnalysis.Testing;
using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>The PIN0006 fix: release the returned count, cast where the release wants another type.</summary>
public class ReturnedCountFixTests
{
    [Fact]
    public Task SliceLengthBecomesTheReturnedCountWithCast() => PinCodeFixTest<ReturnedCountCodeFixProvider>.VerifyAsync("""
        class Rule7
        {
            static void Run(AddressSpace mm, ulong a, int k)
            {
                var p = new Page[k];
                long r = Gup.PinUserPages(mm, a, k, GupFlags.None, p);
                if (r <= 0)
                    return;
                Gup.UnpinUserPages(p.AsSpan(0, /* requested */ {|#0:k|}));
            }
        }
        """, """
        class Rule7
        {
            static void Run(AddressSpace mm, ulong a, int k)
            {
                var p = new Page[k];
                long r = Gup.PinUserPages(mm, a, k, GupFlags.None, p);
                if (r <= 0)
                    return;
                Gup.UnpinUserPages(p.AsSpan(0, /* requested */ (int)r));
            }
        }
        """, PinFixKeys.ReleaseReturnedCount, Diagnostic("PIN0006"));

    [Fact]
    public Task RangeCountNeedsNoCast() => PinCodeFixTest<ReturnedCountCodeFixProvider>.VerifyAsync("""
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
        """, """
        class Vfio
        {
            static void Run(AddressSpace mm, ulong vaddr, long npage)
            {
                var pages = new Page[npage];
                long ret = Gup.PinUserPagesRemote(mm, vaddr, npage, GupFlags.Write, pages);
                if (ret < 0)
                    return;
                Gup.UnpinUserPageRangeDirtyLock(pages[0], ret, true);
            }
        }
        """, PinFixKeys.ReleaseReturnedCount, Diagnostic("PIN0006"));

    [Fact]
    public Task FixAllLoopBoundsAndSlices() => PinCodeFixTest<ReturnedCountCodeFixProvider>.VerifyAsync("""
        class Qib
        {
            static void A(AddressSpace mm, ulong start, int num)
            {
                var p = new Page[num];
                int got = Gup.PinUserPagesFast(mm, start, num, GupFlags.Write, p);
                if (got < 0)
                    return;
                for (int i = 0; i < {|#0:num|}; i++)
                    Gup.UnpinUserPage(p[i]);
            }

            static void B(AddressSpace mm, ulong start, int npgs)
            {
                var pages = new Page[npgs];
                int pinned = {|#2:Gup.PinUserPagesFast(mm, start, npgs, GupFlags.Longterm, pages)|};
                if (pinned <= 0)
                    return;
                Gup.UnpinUserPages(pages.AsSpan()[..{|#1:npgs|}]);
            }
        }
        """, """
        class Qib
        {
            static void A(AddressSpace mm, ulong start, int num)
            {
                var p = new Page[num];
                int got = Gup.PinUserPagesFast(mm, start, num, GupFlags.Write, p);
                if (got < 0)
                    return;
                for (int i = 0; i < got; i++)
                    Gup.UnpinUserPage(p[i]);
            }

            static void B(AddressSpace mm, ulong start, int npgs)
            {
                var pages = new Page[npgs];
                int pinned = {|#2:Gup.PinUserPagesFast(mm, start, npgs, GupFlags.Longterm, pages)|};
                if (pinned <= 0)
                    return;
                Gup.UnpinUserPages(pages.AsSpan()[..pinned]);
            }
        }
        """, PinFixKeys.ReleaseReturnedCount, new[] { Diagnostic("PIN0006"), Diagnostic("PIN0006", 1), Diagnostic("PIN0204", 2) }, new[] { Diagnostic("PIN0204", 2) }, iterations: 2);

    [Fact]
    public Task DiscardedReturnOffersNoFix() => PinCodeFixTest<ReturnedCountCodeFixProvider>.VerifyAsync("""
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
        """, """
        class Drm
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[8];
                Gup.GetUserPages(mm, addr, 8, GupFlags.None, pages);
                foreach (var page in pages.AsSpan(0, 8))
                    Gup.PutPage(page);
            }
        }
        """, PinFixKeys.ReleaseReturnedCount, new[] { Diagnostic("PIN0006") }, new[] { DiagnosticAt("PIN0006", 11, 46, 47) }, iterations: 0);
}
