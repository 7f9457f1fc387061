using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0002: a FOLL_GET reference released with an unpin (KERNEL.md §10 rule 1).</summary>
public class Pin0002Tests
{
    [Fact]
    public Task GetUserPagesFastUnpinned() => VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                int ret = Gup.GetUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                {|#0:Gup.UnpinUserPage(pages[0])|};
                return 0;
            }
        }
        """, Diagnostic("PIN0002").WithArguments("UnpinUserPage", "pages", "GetUserPagesFast", "PutPage"));

    [Fact]
    public Task IoUringGetUserPagesUnpinnedSlice() => VerifyAsync("""
        class IoUring
        {
            static int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = {|#1:Gup.GetUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (pret != nrPages)
                {
                    if (pret > 0)
                        {|#0:Gup.UnpinUserPages(pages.AsSpan(0, (int)pret))|};
                    return -(int)Errno.EFAULT;
                }
                Gup.PutPage(pages[0]);
                return 0;
            }
        }
        """, Diagnostic("PIN0002"), Diagnostic("PIN0201", 1));

    [Fact]
    public Task LegacyPutUserPageOnGetReference() => VerifyAsync("""
        class Videobuf
        {
            static void Release(AddressSpace mm, ulong data)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesUnlocked(mm, data, 1, GupFlags.None, pages) <= 0)
                    return;
                {|#0:Gup.{|#10:PutUserPage|}(pages[0])|};
            }
        }
        """, Diagnostic("PIN0002").WithArguments("PutUserPage", "pages", "GetUserPagesUnlocked", "PutPage"), Diagnostic("PIN0301", 10));

    [Fact]
    public Task LegacyPutUserPagesDirtyLockOnGetReference() => VerifyAsync("""
        class Videobuf
        {
            static long Map(AddressSpace mm, ulong data, int n)
            {
                var pages = new Page[n];
                long err = Gup.GetUserPages(mm, data, n, GupFlags.Write, pages);
                if (err != n)
                {
                    if (err > 0)
                        {|#0:Gup.{|#10:PutUserPagesDirtyLock|}(pages.AsSpan(0, (int)err), false)|};
                    return -(int)Errno.EFAULT;
                }
                {|#1:Gup.{|#11:PutUserPagesDirtyLock|}(pages, true)|};
                return 0;
            }
        }
        """, Diagnostic("PIN0002"), Diagnostic("PIN0002", 1), Diagnostic("PIN0301", 10), Diagnostic("PIN0301", 11));

    [Fact]
    public Task RemoteGetUnpinnedDirty() => VerifyAsync("""
        class ProcessVm
        {
            static long Copy(AddressSpace mm, ulong addr, bool write)
            {
                var pages = new Page[8];
                long pinned = Gup.GetUserPagesRemote(mm, addr, 8, write ? GupFlags.Write : GupFlags.None, pages);
                if (pinned <= 0)
                    return -(int)Errno.EFAULT;
                {|#0:Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)pinned), write)|};
                return pinned;
            }
        }
        """, Diagnostic("PIN0002"));

    [Fact]
    public Task FieldFilledByGetUnpinnedElsewhere() => VerifyAsync("""
        class ViaDmaBlit
        {
            private readonly Page[] pages = new Page[16];
            private long locked;

            public void Lock(AddressSpace mm, ulong addr) => locked = {|#1:Gup.GetUserPages(mm, addr, 16, GupFlags.Write, pages)|};

            public void Unlock() => {|#0:Gup.UnpinUserPages(pages.AsSpan(0, (int)locked))|};
        }
        """, DiagnosticWithPath("PIN0002", 1));

    [Fact]
    public Task GetUnpinnedInsideLoop() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong vaddr, int npages)
            {
                var pages = new Page[npages];
                int got = Gup.GetUserPagesFast(mm, vaddr, npages, GupFlags.Write, pages);
                for (int i = 0; i < got; i++)
                    {|#0:Gup.UnpinUserPage(pages[i])|};
            }
        }
        """, Diagnostic("PIN0002"));

    [Fact]
    public Task GetThroughSpanAliasUnpinned() => VerifyAsync("""
        class Alias
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var buffer = new Page[4];
                Span<Page> view = buffer;
                long n = Gup.GetUserPages(mm, addr, 4, GupFlags.None, view);
                if (n <= 0)
                    return;
                {|#0:Gup.UnpinUserPages(buffer.AsSpan(0, (int)n))|};
            }
        }
        """, Diagnostic("PIN0002"));

    // ----- correct code: silent -----

    [Fact]
    public Task GetReleasedWithPutPage() => VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                int ret = Gup.GetUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                Gup.PutPage(pages[0]);
                return 0;
            }
        }
        """);

    [Fact]
    public Task TypedGotPagesPutBack() => VerifyAsync("""
        class Typed
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var got = new GotPage[2];
                long n = Gup.GetUserPages(mm, addr, 2, GupFlags.None, got);
                for (long i = 0; i < n; i++)
                    Gup.PutPage(got[i]);
            }
        }
        """);

    [Fact]
    public Task PinnedThenLegacyPutUserPagesIsNotPin0002() => VerifyAsync("""
        class Legacy
        {
            static void Run(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int ret = Gup.PinUserPagesFast(mm, addr, n, GupFlags.None, pages);
                if (ret <= 0)
                    return;
                Gup.{|#10:PutUserPages|}(pages.AsSpan(0, ret));
            }
        }
        """, Diagnostic("PIN0301", 10));

    [Fact]
    public Task OdpGetPagesReleasedPerPage() => VerifyAsync("""
        class Odp
        {
            static int Fault(AddressSpace mm, ulong start, int npages)
            {
                var local = new Page[npages];
                long ret = Gup.GetUserPagesRemote(mm, start, npages, GupFlags.Write, local);
                if (ret < 0)
                    return (int)ret;
                foreach (var page in local.AsSpan(0, (int)ret))
                    Gup.PutPage(page);
                return 0;
            }
        }
        """);

    [Fact]
    public Task UnpinOfParameterBufferIsCallersBusiness() => VerifyAsync("""
        class Helper
        {
            static void Release(Page[] pages, int n) => Gup.UnpinUserPages(pages.AsSpan(0, n));
        }
        """);

    [Fact]
    public Task GetIntoOneArrayPinIntoAnother() => VerifyAsync("""
        class Two
        {
            static void Run(AddressSpace mm, ulong a, ulong b)
            {
                var got = new Page[1];
                var pinned = new Page[1];
                if (Gup.GetUserPagesFast(mm, a, 1, GupFlags.None, got) != 1)
                    return;
                if (Gup.PinUserPagesFast(mm, b, 1, GupFlags.None, pinned) != 1)
                {
                    Gup.PutPage(got[0]);
                    return;
                }
                Gup.UnpinUserPage(pinned[0]);
                Gup.PutPage(got[0]);
            }
        }
        """);
}
