using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0204 (info): a FOLL_LONGTERM pin that every path releases before the method returns is short-term, so the flag
/// only costs a migration (KERNEL.md §4 "CMA and ZONE_MOVABLE", the Case 1 / Case 2 split of pin_user_pages.rst).
/// </summary>
public class Pin0204Tests
{
    [Fact]
    public Task LongtermPinReleasedOnEveryPath() => VerifyAsync("""
        class ProcessVmAccess
        {
            static int Copy(AddressSpace mm, ulong addr, int n, byte[] dst)
            {
                var pages = new Page[n];
                int got = {|#0:Gup.PinUserPagesFast(mm, addr, n, GupFlags.Longterm, pages)|};
                if (got <= 0)
                    return -(int)Errno.EFAULT;
                for (int i = 0; i < got; i++)
                    pages[i].Data.Slice(0, 16).CopyTo(dst.AsSpan(i * 16));
                Gup.UnpinUserPages(pages.AsSpan(0, got));
                return got;
            }
        }
        """, Diagnostic("PIN0204").WithArguments("PinUserPagesFast", "pages"));

    [Fact]
    public Task ErrorPathAndSuccessPathBothRelease() => VerifyAsync("""
        class Mthca
        {
            static int Touch(AddressSpace mm, ulong uaddr, DmaDevice dev, bool mapFails)
            {
                var pages = new Page[1];
                int ret = {|#0:Gup.PinUserPagesFast(mm, uaddr, 1, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                if (mapFails)
                {
                    Gup.UnpinUserPage(pages[0]);
                    return -(int)Errno.ENOMEM;
                }
                using (var mapping = dev.MapPages(pages))
                    mapping.DeviceWrite(0, new byte[] { 1 });
                Gup.UnpinUserPagesDirtyLock(pages, true);
                return 0;
            }
        }
        """, Diagnostic("PIN0204"));

    [Fact]
    public Task LongtermThroughALocalReleasedInFinally() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var flags = GupFlags.Longterm;
                var pages = new Page[2];
                long n = {|#0:Gup.PinUserPages(mm, addr, 2, flags, pages)|};
                if (n <= 0)
                    return;
                try
                {
                    Console.WriteLine(pages[0].Pfn);
                }
                finally
                {
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)n));
                }
            }
        }
        """, Diagnostic("PIN0204"));

    // ----- correct code: silent -----

    [Fact]
    public Task StoredIntoAFieldOnOnePath() => VerifyAsync("""
        class IoMappedUbuf
        {
            private Page[] bvec = Array.Empty<Page>();

            public int Register(AddressSpace mm, ulong ubuf, int nrPages, bool fileBacked)
            {
                var pages = new Page[nrPages];
                long pret = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                if (fileBacked)
                {
                    Gup.UnpinUserPages(pages);
                    return -(int)Errno.EOPNOTSUPP;
                }
                bvec = pages;
                return 0;
            }
        }
        """);

    [Fact]
    public Task BufferOwnedByTheCaller() => VerifyAsync("""
        class IbUmem
        {
            static int Fill(AddressSpace mm, ulong addr, Page[] pageList)
            {
                int got = Gup.PinUserPagesFast(mm, addr, pageList.Length, GupFlags.Write | GupFlags.Longterm, pageList);
                if (got <= 0)
                    return -(int)Errno.EFAULT;
                Gup.UnpinUserPagesDirtyLock(pageList.AsSpan(0, got), true);
                return 0;
            }
        }
        """);

    [Fact]
    public Task HandedToATakesOwnershipParameter() => VerifyAsync("""
        class VfioIommuType1
        {
            public static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

            static long VaddrGetPfn(AddressSpace mm, ulong vaddr)
            {
                Span<Page> page = new Page[1];
                using (mm.MmapReadLock())
                {
                    long ret = Gup.PinUserPagesRemote(mm, vaddr, 1, GupFlags.Write | GupFlags.Longterm, page);
                    if (ret != 1)
                        return -1;
                    return PageToPfn(page[0]);
                }
            }
        }
        """);

    [Fact]
    public Task ShortTermPinReleasedOnEveryPath() => VerifyAsync("""
        class ProcessVmAccess
        {
            static void Copy(AddressSpace mm, ulong addr, byte[] dst)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                pages[0].Data.Slice(0, dst.Length).CopyTo(dst);
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """);

    [Fact]
    public Task LongtermOnlyOnOnePathOfTheFlags() => VerifyAsync("""
        class Hfi1
        {
            static void Run(AddressSpace mm, ulong vaddr, bool longterm)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, vaddr, 1, longterm ? GupFlags.Longterm : GupFlags.None, pages) != 1)
                    return;
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """);
}
