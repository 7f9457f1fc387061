using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0001: a FOLL_PIN reference released with a GET release (KERNEL.md §10 rule 1).</summary>
public class Pin0001Tests
{
    [Fact]
    public Task SiwSinglePagePinReleasedWithPutPage() => VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                var ret = Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                {|#0:Gup.PutPage(pages[0])|};
                return 0;
            }
        }
        """, Diagnostic("PIN0001").WithArguments("PutPage", "pages", "PinUserPagesFast", "UnpinUserPage"));

    [Fact]
    public Task QibFreePagesLoopWithPutPage() => VerifyAsync("""
        class Qib
        {
            static long Pin(AddressSpace mm, ulong start, long n)
            {
                var pages = new Page[n];
                long got = {|#1:Gup.PinUserPages(mm, start, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (got < 0)
                    return got;
                for (long i = 0; i < got; i++)
                    {|#0:Gup.PutPage(pages[i])|};
                return 0;
            }
        }
        """, Diagnostic("PIN0001"), Diagnostic("PIN0204", 1));

    [Fact]
    public Task Hfi1ForeachPutPage() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong vaddr, int npages)
            {
                var pages = new Page[npages];
                int pinned = {|#1:Gup.PinUserPagesFast(mm, vaddr, npages, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (pinned <= 0)
                    return;
                foreach (var page in pages.AsSpan(0, pinned))
                    {|#0:Gup.PutPage(page)|};
            }
        }
        """, Diagnostic("PIN0001"), Diagnostic("PIN0204", 1));

    [Fact]
    public Task GoldfishElementAliasPutPage() => VerifyAsync("""
        class Goldfish
        {
            static int Transfer(AddressSpace mm, ulong address)
            {
                var pages = new Page[1];
                int ret = Gup.PinUserPagesFast(mm, address, 1, GupFlags.None, pages);
                if (ret < 1)
                    return -(int)Errno.EFAULT;
                var page = pages[0];
                {|#0:Gup.PutPage(page)|};
                return 0;
            }
        }
        """, Diagnostic("PIN0001"));

    [Fact]
    public Task ProcessVmRemotePinPutPage() => VerifyAsync("""
        class ProcessVm
        {
            static long Copy(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                bool locked = true;
                long pinned = Gup.PinUserPagesRemote(mm, addr, 1, GupFlags.None, pages, ref locked);
                if (pinned <= 0)
                    return -(int)Errno.EFAULT;
                {|#0:Gup.PutPage(pages[0])|};
                return pinned;
            }
        }
        """, Diagnostic("PIN0001"));

    [Fact]
    public Task VfioSinglePageLocalPutPfn() => VerifyAsync("""
        class Vfio
        {
            static long VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write)
            {
                Page page = default;
                long ret = Gup.PinUserPagesRemote(mm, vaddr, 1, write ? GupFlags.Write : GupFlags.None, new Span<Page>(ref page));
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                long pfn = page.Pfn;
                {|#0:Gup.PutPage(page)|};
                return pfn;
            }
        }
        """, Diagnostic("PIN0001"));

    [Fact]
    public Task ErrorPathOnlyPutPage() => VerifyAsync("""
        class Usnic
        {
            static int Get(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                long ret = Gup.PinUserPagesUnlocked(mm, addr, 2, GupFlags.Write, pages);
                if (ret != 2)
                {
                    if (ret > 0)
                        {|#0:Gup.PutPage(pages[0])|};
                    return -(int)Errno.ENOMEM;
                }
                Gup.UnpinUserPages(pages);
                return 0;
            }
        }
        """, Diagnostic("PIN0001"));

    [Fact]
    public Task UserWrapperGetReleaseOnPinnedPages() => VerifyAsync("""
        class Driver
        {
            [Releases(PageRef.Get, Pages = "page")]
            static void DropRef(Page page) => Gup.PutPage(page);

            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                {|#0:DropRef(pages[0])|};
            }
        }
        """, Diagnostic("PIN0001").WithArguments("DropRef", "pages", "PinUserPagesFast", "the unpin family"));

    [Fact]
    public Task IoUringFieldPinnedReleasedWithPutPageElsewhere() => VerifyAsync("""
        class IoUringBuffer
        {
            private Page[] pages = Array.Empty<Page>();

            public long Register(AddressSpace mm, ulong ubuf, long nrPages)
            {
                pages = new Page[nrPages];
                return {|#1:Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages)|};
            }

            public void Unregister()
            {
                foreach (var page in pages)
                    {|#0:Gup.PutPage(page)|};
            }
        }
        """, DiagnosticWithPath("PIN0001", 1));

    [Fact]
    public Task XdpUmemFieldFilledThroughLocal() => VerifyAsync("""
        class XdpUmem
        {
            private Page[]? pgs;

            public int Pin(AddressSpace mm, ulong address, int npgs)
            {
                var pages = new Page[npgs];
                int npgsPinned = Gup.PinUserPagesFast(mm, address, npgs, GupFlags.Write | GupFlags.Longterm, pages);
                if (npgsPinned != npgs)
                {
                    if (npgsPinned > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, npgsPinned));
                    return -(int)Errno.ENOMEM;
                }
                pgs = pages;
                return 0;
            }

            public void Release()
            {
                var pages = pgs!;
                {|#0:Gup.PutPage(pages[0])|};
            }
        }
        """, Diagnostic("PIN0001"));

    // ----- correct code: silent -----

    [Fact]
    public Task SiwSinglePageUnpinned() => VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                var ret = Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                Gup.UnpinUserPage(pages[0]);
                return 0;
            }
        }
        """);

    [Fact]
    public Task GetUserPagesReleasedWithPutPageLoop() => VerifyAsync("""
        class Mthca
        {
            static int MapUserDb(AddressSpace mm, ulong uaddr, long n)
            {
                var pages = new Page[n];
                long ret = Gup.GetUserPagesFast(mm, uaddr, (int)n, GupFlags.Write, pages);
                if (ret < 0)
                    return (int)ret;
                for (int i = 0; i < ret; i++)
                    Gup.PutPage(pages[i]);
                return 0;
            }
        }
        """);

    [Fact]
    public Task FieldPinnedAndUnpinnedAcrossMethods() => VerifyAsync("""
        class IoUringBuffer
        {
            private Page[] pages = Array.Empty<Page>();
            private long count;

            public long Register(AddressSpace mm, ulong ubuf, long nrPages)
            {
                pages = new Page[nrPages];
                count = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                return count;
            }

            public void Unregister() => Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)count), true);
        }
        """);

    [Fact]
    public Task FieldFilledByGetReleasedWithPutPage() => VerifyAsync("""
        class ViaDmaBlit
        {
            private Page[] pages = new Page[16];

            public long Lock(AddressSpace mm, ulong addr) => Gup.GetUserPages(mm, addr, 16, GupFlags.None, pages);

            public void Unlock()
            {
                for (int i = 0; i < pages.Length; i++)
                    if (!pages[i].IsNull)
                        Gup.PutPage(pages[i]);
            }
        }
        """);

    [Fact]
    public Task UserWrapperPinReleaseIsAccepted() => VerifyAsync("""
        class Umem
        {
            [Releases(PageRef.Pin)]
            static void ReleaseUmem(ReadOnlySpan<Page> pages) => Gup.UnpinUserPages(pages);

            static int Get(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int ret = {|#0:Gup.PinUserPagesFast(mm, addr, n, GupFlags.Longterm, pages)|};
                if (ret <= 0)
                    return ret;
                ReleaseUmem(pages.AsSpan(0, ret));
                return 0;
            }
        }
        """,
        // The wrapper counts as an unpin (no PIN0001), and so as a release for PIN0204.
        Diagnostic("PIN0204"));

    [Fact]
    public Task HolderReusedForGetThenPin() => VerifyAsync("""
        class Reuse
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, addr, 1, GupFlags.None, pages) == 1)
                    Gup.PutPage(pages[0]);
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) == 1)
                    Gup.UnpinUserPage(pages[0]);
            }
        }
        """);

    [Fact]
    public Task TypedPinnedPagesUnpinned() => VerifyAsync("""
        class Typed
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pinned = new PinnedPage[4];
                long n = Gup.PinUserPages(mm, addr, 4, GupFlags.Write, pinned);
                if (n <= 0)
                    return;
                Gup.UnpinUserPagesDirtyLock(pinned.AsSpan(0, (int)n), true);
            }
        }
        """);

    [Fact]
    public Task VfioPutPfnUnpins() => VerifyAsync("""
        class Vfio
        {
            static long VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write)
            {
                Page page = default;
                long ret = Gup.PinUserPagesRemote(mm, vaddr, 1, write ? GupFlags.Write : GupFlags.None, new Span<Page>(ref page));
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                long pfn = page.Pfn;
                Gup.UnpinUserPageRangeDirtyLock(page, 1, write);
                return pfn;
            }
        }
        """);

    [Fact]
    public Task FamilyChosenByTheSameConditionAtBothEnds() => VerifyAsync("""
        class WritebackRace
        {
            static void Run(AddressSpace mm, ulong buffer, bool pin, DmaDevice device)
            {
                var pages = new Page[4];
                var taken = pin
                    ? Gup.PinUserPagesFast(mm, buffer, 4, GupFlags.Write, pages)
                    : Gup.GetUserPagesFast(mm, buffer, 4, GupFlags.Write, pages);
                if (taken != 4)
                    throw new InvalidOperationException();
                using (var mapping = {|#0:device.MapPages(pages)|})
                    mapping.DeviceWrite(0, new byte[] { 1 });
                if (pin)
                {
                    Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
                }
                else
                {
                    foreach (var page in pages)
                    {
                        Gup.SetPageDirtyLock(page);
                        Gup.PutPage(page);
                    }
                }
            }
        }
        """,
        // No family mismatch either way; but on the GET path a device writes through plain references (the race
        // the WritebackRace sample demonstrates).
        Diagnostic("PIN0205").WithArguments("'MapPages'", "hands a device", "pages", "GetUserPagesFast", "PinUserPagesFast"));
}
