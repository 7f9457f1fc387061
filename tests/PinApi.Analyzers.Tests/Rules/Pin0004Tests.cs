using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0004: references released twice on some path (KERNEL.md §10 rule 22).</summary>
public class Pin0004Tests
{
    [Fact]
    public Task ErrorPathFallsIntoTheCleanupLabel() => VerifyAsync("""
        class Usnic
        {
            static int Map(AddressSpace mm, ulong addr, int n, bool mapFails)
            {
                var pages = new Page[n];
                int ret = {|#2:Gup.PinUserPagesFast(mm, addr, n, GupFlags.Longterm, pages)|};
                if (ret <= 0)
                    return -(int)Errno.EFAULT;
                if (mapFails)
                {
                    {|#1:Gup.UnpinUserPages(pages.AsSpan(0, ret))|};
                    ret = -(int)Errno.ENOMEM;
                    goto done;
                }
                ret = 0;
            done:
                {|#0:Gup.UnpinUserPages(pages)|};
                return ret;
            }
        }
        """,
        DiagnosticWithPath("PIN0004", 2).WithArguments("UnpinUserPages", "pages", "PinUserPagesFast", "'Gup.UnpinUserPages(pages.AsSpan(0, ret))' at line 15"),
        // Every path of this snippet releases the pin: the FOLL_LONGTERM it asks for buys only a migration.
        Diagnostic("PIN0204", 2));

    [Fact]
    public Task SinglePagePutTwice() => VerifyAsync("""
        class Vfio
        {
            static void PutPfn(AddressSpace mm, ulong vaddr)
            {
                Page page = default;
                if (Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.None, new Span<Page>(ref page)) != 1)
                    return;
                Gup.UnpinUserPage(page);
                {|#0:Gup.UnpinUserPage(page)|};
            }
        }
        """, Diagnostic("PIN0004"));

    [Fact]
    public Task WholeReleaseThenElementLoop() => VerifyAsync("""
        class Hfi1
        {
            static void Unpin(AddressSpace mm, ulong vaddr, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, vaddr, n, GupFlags.None, pages);
                if (got <= 0)
                    return;
                Gup.UnpinUserPages(pages.AsSpan(0, got));
                for (int i = 0; i < got; i++)
                    {|#0:Gup.UnpinUserPage(pages[i])|};
            }
        }
        """, Diagnostic("PIN0004"));

    [Fact]
    public Task SameConstantIndexTwice() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                int got = Gup.GetUserPagesFast(mm, addr, 2, GupFlags.None, pages);
                if (got != 2)
                {
                    if (got == 1)
                        Gup.PutPage(pages[0]);
                    return;
                }
                Gup.PutPage(pages[0]);
                Gup.PutPage(pages[1]);
                {|#0:Gup.PutPage(pages[0])|};
            }
        }
        """, Diagnostic("PIN0004"));

    [Fact]
    public Task ReleasedInTryAndInFinally() => VerifyAsync("""
        class Via
        {
            static void Blit(AddressSpace mm, ulong addr)
            {
                var pages = new Page[4];
                long n = Gup.PinUserPages(mm, addr, 4, GupFlags.None, pages);
                if (n <= 0)
                    return;
                try
                {
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)n));
                }
                finally
                {
                    {|#0:Gup.UnpinUserPages(pages.AsSpan(0, (int)n))|};
                }
            }
        }
        """, Diagnostic("PIN0004"));

    [Fact]
    public Task ReleasedOnOneBranchThenAgainAfterMerge() => VerifyAsync("""
        class Goldfish
        {
            static int Transfer(AddressSpace mm, ulong address, bool fault)
            {
                var pages = new Page[1];
                int ret = Gup.PinUserPagesFast(mm, address, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                if (fault)
                    Gup.UnpinUserPagesDirtyLock(pages, false);
                {|#0:Gup.UnpinUserPagesDirtyLock(pages, true)|};
                return 0;
            }
        }
        """, Diagnostic("PIN0004"));

    // ----- correct code: silent -----

    [Fact]
    public Task ElementLoopIsNotADoubleRelease() => VerifyAsync("""
        class Qib
        {
            static void Release(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, start, n, GupFlags.None, pages);
                for (int i = 0; i < got; i++)
                    Gup.UnpinUserPage(pages[i]);
            }
        }
        """);

    [Fact]
    public Task ExclusiveBranchesReleaseOnce() => VerifyAsync("""
        class Usnic
        {
            static int Map(AddressSpace mm, ulong addr, int n, bool dirty)
            {
                var pages = new Page[n];
                int ret = Gup.PinUserPagesFast(mm, addr, n, GupFlags.Write, pages);
                if (ret <= 0)
                    return -(int)Errno.EFAULT;
                if (dirty)
                    Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, ret), true);
                else
                    Gup.UnpinUserPages(pages.AsSpan(0, ret));
                return 0;
            }
        }
        """);

    [Fact]
    public Task DifferentConstantIndices() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                int got = Gup.GetUserPagesFast(mm, addr, 2, GupFlags.None, pages);
                if (got != 2)
                {
                    if (got == 1)
                        Gup.PutPage(pages[0]);
                    return;
                }
                Gup.PutPage(pages[0]);
                Gup.PutPage(pages[1]);
            }
        }
        """);

    [Fact]
    public Task ReacquiredBeforeTheNextRelease() => VerifyAsync("""
        class ProcessVm
        {
            static void Run(AddressSpace mm, ulong addr, int rounds)
            {
                var pages = new Page[4];
                for (int r = 0; r < rounds; r++)
                {
                    long got = Gup.PinUserPages(mm, addr, 4, GupFlags.None, pages);
                    if (got <= 0)
                        return;
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                }
            }
        }
        """);

    [Fact]
    public Task GotoLadderReleasesOncePerPath() => VerifyAsync("""
        class Mthca
        {
            static int Map(AddressSpace mm, ulong uaddr, bool fail1, bool fail2)
            {
                var pages = new Page[1];
                int ret = Gup.PinUserPagesFast(mm, uaddr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                if (fail1)
                    goto err_unpin;
                if (fail2)
                    goto err_unpin;
                Gup.UnpinUserPage(pages[0]);
                return 0;
            err_unpin:
                Gup.UnpinUserPage(pages[0]);
                return -(int)Errno.ENOMEM;
            }
        }
        """);

    [Fact]
    public Task FinallyReleasesOnceWhenTryReturnsEarly() => VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr, bool early)
            {
                var pages = new Page[2];
                long n = Gup.PinUserPages(mm, addr, 2, GupFlags.Write, pages);
                if (n <= 0)
                    return -1;
                try
                {
                    if (early)
                        return 1;
                    pages[0].Data[0] = 7;
                    return 0;
                }
                finally
                {
                    Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)n), true);
                }
            }
        }
        """);
}
