using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0206: a pin kept beyond the call (stored in a field, handed to a [TakesOwnership] parameter or into another
/// object) without GupFlags.Longterm (KERNEL.md §10 rule 15; seed #7: "the VFIO caller is logically a FOLL_LONGTERM
/// user, but it wasn't setting FOLL_LONGTERM").
/// </summary>
public class Pin0206Tests
{
    [Fact]
    public Task IoUringBufferStoredIntoAField() => VerifyAsync("""
        class IoMappedUbuf
        {
            private Page[] bvec = Array.Empty<Page>();

            public int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = {|#0:Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write, pages)|};
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                bvec = pages;
                return 0;
            }
        }
        """, Diagnostic("PIN0206").WithArguments("PinUserPages", "pages", "'bvec = pages;' (line 19)"));

    [Fact]
    public Task VfioPageHandedOnWithoutLongterm() => VerifyAsync("""
        class VfioIommuType1
        {
            public static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

            static int VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write, out long pfn)
            {
                var flags = GupFlags.None;
                pfn = 0;
                if (write)
                    flags |= GupFlags.Write;
                Page page = default;
                using (mm.MmapReadLock())
                {
                    long ret = {|#0:Gup.PinUserPagesRemote(mm, vaddr, 1, flags, new Span<Page>(ref page))|};
                    if (ret == 1)
                    {
                        pfn = PageToPfn(page);
                        return 0;
                    }
                    return (int)ret;
                }
            }
        }
        """, Diagnostic("PIN0206").WithArguments("PinUserPagesRemote", "page", "'pfn = PageToPfn(page);' (line 21)"));

    [Fact]
    public Task PagesHandedToAUserTypeConstructor() => VerifyAsync("""
        sealed record MappedUbuf(Page[] Pages, long Offset);

        class IoUring
        {
            private readonly System.Collections.Generic.List<MappedUbuf> userBufs = new();

            public int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = {|#0:Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write, pages)|};
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                userBufs.Add(new MappedUbuf(pages, (long)(ubuf & 4095)));
                return 0;
            }
        }
        """, Diagnostic("PIN0206"));

    [Fact]
    public Task StoredIntoAFieldOnOnePathOnly() => VerifyAsync("""
        class XdpUmem
        {
            private Page[]? pgs;

            public int PinPages(AddressSpace mm, ulong address, int count, bool keep)
            {
                var pages = new Page[count];
                int pinned = {|#0:Gup.PinUserPagesFast(mm, address, count, GupFlags.Write, pages)|};
                if (pinned != count)
                {
                    if (pinned > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, pinned));
                    return -(int)Errno.ENOMEM;
                }
                if (keep)
                    pgs = pages;
                else
                    Gup.UnpinUserPages(pages);
                return 0;
            }
        }
        """, Diagnostic("PIN0206"));

    [Fact]
    public Task StoredIntoAPropertyOfAnotherObject() => VerifyAsync("""
        sealed class Umem
        {
            public Page[] Pgs { get; set; } = Array.Empty<Page>();
        }

        class XdpUmem
        {
            static int PinPages(AddressSpace mm, Umem umem, ulong address, int npgs)
            {
                var pages = new Page[npgs];
                int got = {|#0:Gup.PinUserPagesFast(mm, address, npgs, GupFlags.Write, pages)|};
                if (got != npgs)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, got));
                    return -(int)Errno.ENOMEM;
                }
                umem.Pgs = pages;
                return 0;
            }
        }
        """, Diagnostic("PIN0206"));

    // ----- correct code: silent -----

    [Fact]
    public Task IoUringWithLongterm() => VerifyAsync("""
        class IoMappedUbuf
        {
            private Page[] bvec = Array.Empty<Page>();

            public int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                bvec = pages;
                return 0;
            }
        }
        """);

    [Fact]
    public Task IoUringMappedUbufWithLongterm() => VerifyAsync("""
        sealed record MappedUbuf(Page[] Pages, DmaMapping Bvec);

        class IoUring
        {
            private readonly System.Collections.Generic.List<MappedUbuf> userBufs = new();

            public int Register(AddressSpace mm, ulong ubuf, int nrPages, DmaDevice dma)
            {
                var pages = new Page[nrPages];
                long pret;
                using (mm.MmapReadLock())
                    pret = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                userBufs.Add(new MappedUbuf(pages, dma.MapPages(pages)));
                return 0;
            }
        }
        """);

    [Fact]
    public Task VfioPfnHandedOnWithLongterm() => VerifyAsync("""
        class VfioIommuType1
        {
            public static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

            static int VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write, out long pfn)
            {
                var flags = GupFlags.None;
                pfn = 0;
                if (write)
                    flags |= GupFlags.Write;
                Page page = default;
                using (mm.MmapReadLock())
                {
                    long ret = Gup.PinUserPagesRemote(mm, vaddr, 1, flags | GupFlags.Longterm, new Span<Page>(ref page));
                    if (ret == 1)
                    {
                        pfn = PageToPfn(page);
                        return 0;
                    }
                    return (int)ret;
                }
            }
        }
        """);

    [Fact]
    public Task LongtermThatDependsOnAConditionIsNotReported() => VerifyAsync("""
        class Hfi1
        {
            private Page[] pages = Array.Empty<Page>();

            public int Pin(AddressSpace mm, ulong vaddr, int npages, bool writable)
            {
                var local = new Page[npages];
                int pinned = Gup.PinUserPagesFast(mm, vaddr, npages, writable ? GupFlags.Longterm : GupFlags.None, local);
                if (pinned <= 0)
                    return pinned;
                pages = local;
                return pinned;
            }
        }
        """);

    [Fact]
    public Task PagesReturnedToTheCallerAreAHandOff() => VerifyAsync("""
        class Qib
        {
            static Page[]? Pin(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, start, n, GupFlags.Write, pages);
                if (got != n)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, got));
                    return null;
                }
                return pages;
            }
        }
        """);

    [Fact]
    public Task OneElementHandedToTakesOwnershipIsKept() => VerifyAsync("""
        class Vfio
        {
            static long Keep([TakesOwnership] Page page) => page.Pfn;
            static long Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if ({|#0:Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages)|} != 1)
                    return -1;
                return Keep(pages[0]);
            }
        }
        """, Diagnostic("PIN0206"));

    [Fact]
    public Task OneElementStoredInAFieldIsKept() => VerifyAsync("""
        class Mthca
        {
            private Page dbPage;
            int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if ({|#0:Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages)|} != 1)
                    return -1;
                dbPage = pages[0];
                return 0;
            }
        }
        """, Diagnostic("PIN0206"));
}
