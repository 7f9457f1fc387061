using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0201: GupFlags.Longterm passed to a GET-family call (KERNEL.md §4 "Who may pass it", §10 rule 4; mainline
/// is_valid_gup_args() refuses FOLL_LONGTERM without FOLL_PIN).
/// </summary>
public class Pin0201Tests
{
    [Fact]
    public Task LongtermSpelledOutOnGetUserPagesFast() => VerifyAsync("""
        class IbUmem
        {
            static void Get(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int got = {|#0:Gup.GetUserPagesFast(mm, addr, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                for (int i = 0; i < got; i++)
                    Gup.PutPage(pages[i]);
            }
        }
        """, Diagnostic("PIN0201").WithArguments("GetUserPagesFast", "PinUserPagesFast"));

    [Fact]
    public Task LongtermThroughALocalAssignedTheFlag() => VerifyAsync("""
        class XdpUmem
        {
            static void Pin(AddressSpace mm, ulong address, int npgs)
            {
                var gupFlags = GupFlags.Longterm;
                var pages = new Page[npgs];
                long got = {|#0:Gup.GetUserPages(mm, address, npgs, gupFlags, pages)|};
                if (got > 0)
                    foreach (var page in pages.AsSpan(0, (int)got))
                        Gup.PutPage(page);
            }
        }
        """, Diagnostic("PIN0201").WithArguments("GetUserPages", "PinUserPages"));

    [Fact]
    public Task LongtermAddedWithOrAssignment() => VerifyAsync("""
        class Usnic
        {
            static void Pin(AddressSpace mm, ulong addr, bool writable)
            {
                var gupFlags = GupFlags.None;
                if (writable)
                    gupFlags |= GupFlags.Write;
                gupFlags |= GupFlags.Longterm;
                var pages = new Page[1];
                if ({|#0:Gup.GetUserPagesUnlocked(mm, addr, 1, gupFlags, pages)|} == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0201"));

    [Fact]
    public Task LongtermOnOneArmOfAConditional() => VerifyAsync("""
        class Vfio
        {
            static void Pin(AddressSpace mm, ulong vaddr, bool keep)
            {
                Page page = default;
                if ({|#0:Gup.GetUserPagesRemote(mm, vaddr, 1, keep ? GupFlags.Longterm : GupFlags.None, new Span<Page>(ref page))|} == 1)
                    Gup.PutPage(page);
            }
        }
        """, Diagnostic("PIN0201").WithArguments("GetUserPagesRemote", "PinUserPagesRemote"));

    [Fact]
    public Task GetFillOfAFieldIsReportedByTheFieldPairing() => VerifyAsync("""
        class IbUmem
        {
            private readonly Page[] pageList = new Page[16];
            private long npages;

            public long Get(AddressSpace mm, ulong addr)
            {
                using (mm.MmapReadLock())
                    npages = {|#0:Gup.GetUserPages(mm, addr, 16, GupFlags.Write | GupFlags.Longterm, pageList)|};
                return npages;
            }

            public void Release()
            {
                foreach (var page in pageList.AsSpan(0, (int)npages))
                    Gup.PutPage(page);
            }
        }
        """, Diagnostic("PIN0201").WithArguments("GetUserPages", "PinUserPages"));

    [Fact]
    public Task GetFillOfAnotherObjectsFieldIsReportedOnce() => VerifyAsync("""
        sealed class VideobufDmabuf
        {
            public Page[] Pages = Array.Empty<Page>();
            public long NrPages;
        }

        class VideobufDmaSg
        {
            static int InitUserLocked(AddressSpace mm, VideobufDmabuf dma, ulong data, int n)
            {
                dma.Pages = new Page[n];
                long err = {|#0:Gup.GetUserPages(mm, data, n, GupFlags.Force | GupFlags.Longterm, dma.Pages)|};
                dma.NrPages = err > 0 ? err : 0;
                return err == n ? 0 : -(int)Errno.EINVAL;
            }

            static void Free(VideobufDmabuf dma)
            {
                for (long i = 0; i < dma.NrPages; i++)
                    Gup.PutPage(dma.Pages[i]);
            }
        }
        """, Diagnostic("PIN0201"));

    // ----- correct code: silent -----

    [Fact]
    public Task FlagsParameterOfUnknownValue() => VerifyAsync("""
        class Hfi1
        {
            static void Get(AddressSpace mm, ulong vaddr, GupFlags flags)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, vaddr, 1, flags, pages) == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """);

    [Fact]
    public Task LongtermOnThePinTwin() => VerifyAsync("""
        class IbUmem
        {
            private Page[] pageList = Array.Empty<Page>();

            public int Get(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, addr, n, GupFlags.Write | GupFlags.Longterm, pages);
                if (got <= 0)
                    return -(int)Errno.EFAULT;
                pageList = pages;
                return got;
            }
        }
        """);

    [Fact]
    public Task GetWithoutLongterm() => VerifyAsync("""
        class UmemOdp
        {
            static void Fault(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesRemote(mm, addr, 1, GupFlags.Write | GupFlags.Force, pages) == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """);
}
