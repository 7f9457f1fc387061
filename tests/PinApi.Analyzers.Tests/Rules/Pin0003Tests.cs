using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0003: references neither released nor handed on along some path (KERNEL.md §10 rule 8).</summary>
public class Pin0003Tests
{
    [Fact]
    public Task IoUringShortPinLeaksThePinnedPrefix() => VerifyAsync("""
        class IoUring
        {
            private Page[]? imu;

            int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = {|#0:Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages)|};
                if ({|#1:pret != nrPages|})
                {
                    {|#2:return -(int)Errno.EFAULT;|}
                }
                imu = pages;
                return 0;
            }
        }
        """, DiagnosticWithPath("PIN0003", 2).WithArguments("PIN", "PinUserPages", "pages", "where 'pret != nrPages' is true (line 13), to the return at line 15"));

    [Fact]
    public Task NeverReleased() => VerifyAsync("""
        class Mthca
        {
            static void Touch(AddressSpace mm, ulong uaddr)
            {
                var pages = new Page[1];
                {|#0:Gup.GetUserPagesFast(mm, uaddr, 1, GupFlags.Write, pages)|};
                {|#2:pages[0].Data|}[0] = 1;
            {|#1:}|}
        }
        """,
        DiagnosticWithPath("PIN0003", 1).WithArguments("GET", "GetUserPagesFast", "pages", "to the end of the method at line 12"),
        Diagnostic("PIN0205", 2));

    [Fact]
    public Task GotoLadderSkipsTheUnpin() => VerifyAsync("""
        class Umem
        {
            static int Get(AddressSpace mm, ulong addr, int npages, DmaDevice dev, bool mapFails)
            {
                var pages = new Page[npages];
                int ret = {|#0:Gup.PinUserPagesFast(mm, addr, npages, GupFlags.Longterm, pages)|};
                if (ret < 0)
                    goto umem_kfree;
                if ({|#1:mapFails|})
                {
                    ret = -(int)Errno.ENOMEM;
                    goto umem_kfree;
                }
                Gup.UnpinUserPages(pages.AsSpan(0, ret));
                return 0;
            umem_kfree:
                {|#2:return ret;|}
            }
        }
        """, DiagnosticWithPath("PIN0003", 2));

    [Fact]
    public Task EarlyReturnInsideLoopLeaksTheChunk() => VerifyAsync("""
        class ProcessVm
        {
            static long RwSingleVec(AddressSpace mm, ulong addr, long nrPages)
            {
                var pages = new Page[16];
                long done = 0;
                while (done < nrPages)
                {
                    long chunk = Math.Min(16, nrPages - done);
                    long pinned = {|#0:Gup.PinUserPagesUnlocked(mm, addr, chunk, GupFlags.None, pages)|};
                    if (pinned <= 0)
                        return -(int)Errno.EFAULT;
                    for (int i = 0; i < pinned; i++)
                        if (pages[i].Data[0] == 0xff)
                            return -(int)Errno.EFAULT;
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)pinned));
                    done += pinned;
                }
                return done;
            }
        }
        """, Diagnostic("PIN0003"));

    [Fact]
    public Task ReacquireWithoutReleaseInLoop() => VerifyAsync("""
        class Gup2
        {
            static void Touch(AddressSpace mm, ulong start, int count)
            {
                var pages = new Page[1];
                for (int i = 0; i < count; i++)
                {
                    int ret = {|#0:Gup.PinUserPagesFast(mm, start + (ulong)i * 4096, 1, GupFlags.None, pages)|};
                    if (ret != 1)
                        break;
                }
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0003"));

    [Fact]
    public Task ReleasedOnlyOnTheErrorPath() => VerifyAsync("""
        class Qib
        {
            static int Pin(AddressSpace mm, ulong start, int n, bool fail)
            {
                var pages = new Page[n];
                int got = {|#0:Gup.PinUserPagesFast(mm, start, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (got < 0)
                    return got;
                if (fail)
                {
                    for (int i = 0; i < got; i++)
                        Gup.UnpinUserPage(pages[i]);
                    return -(int)Errno.ENOMEM;
                }
                return got;
            }
        }
        """, Diagnostic("PIN0003"));

    [Fact]
    public Task ReleaseOnlyInCatch() => VerifyAsync("""
        class Via
        {
            static void Blit(AddressSpace mm, ulong addr)
            {
                var pages = new Page[4];
                long n = {|#0:Gup.PinUserPages(mm, addr, 4, GupFlags.None, pages)|};
                if (n <= 0)
                    return;
                try
                {
                    if (pages[0].Data[0] == 0)
                        throw new InvalidOperationException();
                }
                catch (InvalidOperationException)
                {
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)n));
                    throw;
                }
            }
        }
        """, Diagnostic("PIN0003"));

    [Fact]
    public Task SinglePageEarlyReturnAfterCheck() => VerifyAsync("""
        class Goldfish
        {
            static int Transfer(AddressSpace mm, ulong address, bool readOnly)
            {
                Page page = default;
                int ret = {|#0:Gup.PinUserPagesFast(mm, address, 1, readOnly ? GupFlags.None : GupFlags.Write, new Span<Page>(ref page))|};
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                if (readOnly)
                    return 0;
                Gup.UnpinUserPage(page);
                return 0;
            }
        }
        """, Diagnostic("PIN0003"));

    [Fact]
    public Task ReturnValueIgnoredAndNeverReleased() => VerifyAsync("""
        class Powerpc
        {
            static void Prefault(AddressSpace mm, ulong ua, long entries)
            {
                var hpages = new Page[entries];
                {|#0:Gup.PinUserPages(mm, ua, entries, GupFlags.Longterm, hpages)|};
            }
        }
        """, Diagnostic("PIN0003"));

    [Fact]
    public Task BareReturnIsTheExitShown() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong vaddr, int n, bool fail)
            {
                var pages = new Page[n];
                int got = {|#0:Gup.PinUserPagesFast(mm, vaddr, n, GupFlags.None, pages)|};
                if (got <= 0)
                    return;
                if ({|#1:fail|})
                    {|#2:return;|}
                Gup.UnpinUserPages(pages.AsSpan(0, got));
            }
        }
        """, DiagnosticWithPath("PIN0003", 2).WithArguments("PIN", "PinUserPagesFast", "pages", "where 'fail' is true (line 13), to the return at line 14"));

    [Fact]
    public Task BareReturnAfterStatementsIsTheExitShown() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr, bool fail)
            {
                var pages = new Page[1];
                if ({|#0:Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages)|} != 1)
                    return;
                if ({|#1:fail|})
                {
                    pages[0].Data[0] = 0;
                    {|#2:return;|}
                }
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, DiagnosticWithPath("PIN0003", 2));

    // ----- correct code: silent -----

    [Fact]
    public Task IoUringReleasesThePinnedPrefix() => VerifyAsync("""
        class IoUring
        {
            private Page[]? imu;

            int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                imu = pages;
                return 0;
            }
        }
        """);

    [Fact]
    public Task QibFreePagesLadder() => VerifyAsync("""
        class Qib
        {
            private Page[]? held;

            int Pin(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, start, n, GupFlags.Write | GupFlags.Longterm, pages);
                if (got < 0)
                    return got;
                if (got != n)
                    goto free_pages;
                for (int j = 0; j < got; j++)
                    if (pages[j].IsCompound)
                        goto free_pages;
                held = pages;
                return 0;
            free_pages:
                for (int i = 0; i < got; i++)
                    Gup.UnpinUserPage(pages[i]);
                return -(int)Errno.ENOMEM;
            }
        }
        """);

    [Fact]
    public Task ReturnedToCaller() => VerifyAsync("""
        class Usnic
        {
            static Page[]? Get(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int ret = Gup.PinUserPagesFast(mm, addr, n, GupFlags.Longterm, pages);
                if (ret != n)
                {
                    if (ret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, ret));
                    return null;
                }
                return pages;
            }
        }
        """);

    [Fact]
    public Task ParameterBufferBelongsToTheCaller() => VerifyAsync("""
        class Hfi1
        {
            static int AcquireUserPages(AddressSpace mm, ulong vaddr, int npages, bool writable, Page[] pages)
            {
                var flags = writable ? GupFlags.Write | GupFlags.Longterm : GupFlags.Longterm;
                return Gup.PinUserPagesFast(mm, vaddr, npages, flags, pages);
            }
        }
        """);

    [Fact]
    public Task HandedToTakesOwnershipParameter() => VerifyAsync("""
        class Registry
        {
            static void Keep([TakesOwnership] Page[] pages, long count) { }

            static void Register(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                long got = Gup.PinUserPages(mm, addr, n, GupFlags.Longterm, pages);
                if (got > 0)
                    Keep(pages, got);
            }
        }
        """);

    [Fact]
    public Task PassedToUnknownUserCodeIsNotGuessed() => VerifyAsync("""
        class Driver
        {
            static void Consume(Page[] pages, long count) { }

            static void Run(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                long got = Gup.PinUserPages(mm, addr, n, GupFlags.None, pages);
                Consume(pages, got);
            }
        }
        """);

    [Fact]
    public Task CapturedByLambdaIsNotGuessed() => VerifyAsync("""
        class Deferred
        {
            static Action Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                long got = Gup.PinUserPages(mm, addr, 2, GupFlags.None, pages);
                return () => Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
            }
        }
        """);

    [Fact]
    public Task ReleasedInFinally() => VerifyAsync("""
        class Siw
        {
            static int Copy(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, addr, n, GupFlags.None, pages);
                if (got <= 0)
                    return -(int)Errno.EFAULT;
                try
                {
                    for (int i = 0; i < got; i++)
                        if (pages[i].Data[0] == 0xff)
                            return -(int)Errno.EFAULT;
                    return got;
                }
                finally
                {
                    Gup.UnpinUserPages(pages.AsSpan(0, got));
                }
            }
        }
        """);

    [Fact]
    public Task MthcaGotoUnwindLadder() => VerifyAsync("""
        class Mthca
        {
            static int MapUserDb(AddressSpace mm, ulong uaddr, DmaDevice dev, bool tableFull)
            {
                var pages = new Page[1];
                int ret = {|#0:Gup.PinUserPagesFast(mm, uaddr, 1, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (ret < 0)
                    goto done;
                if (ret == 0)
                {
                    ret = -(int)Errno.EFAULT;
                    goto done;
                }
                if (tableFull)
                {
                    ret = -(int)Errno.ENOMEM;
                    goto err_unpin;
                }
                Gup.UnpinUserPage(pages[0]);
                return 0;
            err_unpin:
                Gup.UnpinUserPage(pages[0]);
            done:
                return ret;
            }
        }
        """,
        // Every exit of the ladder releases: no leak, and so the FOLL_LONGTERM of this snippet is only an info.
        Diagnostic("PIN0204"));

    [Fact]
    public Task XdpStoresIntoField() => VerifyAsync("""
        class XdpUmem
        {
            private Page[]? pgs;
            private int npgs;

            int Pin(AddressSpace mm, ulong address, int count)
            {
                var pages = new Page[count];
                int pinned = Gup.PinUserPagesFast(mm, address, count, GupFlags.Write | GupFlags.Longterm, pages);
                if (pinned < 0)
                    return pinned;
                pgs = pages;
                npgs = pinned;
                return 0;
            }
        }
        """);

    [Fact]
    public Task HandedOnThroughOutParameter() => VerifyAsync("""
        class Powerpc
        {
            static long MmIommuDoAlloc(AddressSpace mm, ulong ua, long entries, out Page[] hpages)
            {
                var pages = new Page[entries];
                long pinned = Gup.PinUserPages(mm, ua, entries, GupFlags.Longterm, pages);
                hpages = pages;
                return pinned;
            }
        }
        """);

    [Fact]
    public Task ProcessVmLoopReleasesEachChunk() => VerifyAsync("""
        class ProcessVm
        {
            static long RwSingleVec(AddressSpace mm, ulong addr, long nrPages)
            {
                var pages = new Page[16];
                long done = 0;
                while (done < nrPages)
                {
                    long chunk = Math.Min(16, nrPages - done);
                    bool locked = true;
                    long pinned = Gup.PinUserPagesRemote(mm, addr, chunk, GupFlags.None, pages, ref locked);
                    if (pinned <= 0)
                        return -(int)Errno.EFAULT;
                    Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)pinned), false);
                    done += pinned;
                }
                return done;
            }
        }
        """);

    [Fact]
    public Task ForeachReleaseOfTheReturnedPrefix() => VerifyAsync("""
        class Odp
        {
            static void Run(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                long ret = Gup.GetUserPages(mm, start, n, GupFlags.None, pages);
                if (ret < 0)
                    return;
                foreach (var page in pages.AsSpan(0, (int)ret))
                    Gup.PutPage(page);
            }
        }
        """);

    [Fact]
    public Task FastPathSingleCheckNotEqualOne() => VerifyAsync("""
        class Vfio
        {
            static long PinOne(AddressSpace mm, ulong vaddr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.Write, pages) != 1)
                    return -(int)Errno.EFAULT;
                long pfn = pages[0].Pfn;
                Gup.UnpinUserPageRangeDirtyLock(pages[0], 1, true);
                return pfn;
            }
        }
        """);
}
