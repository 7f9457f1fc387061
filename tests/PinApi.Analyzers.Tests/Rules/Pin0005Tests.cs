using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0005: page data used, dirtied or mapped after its reference was released (KERNEL.md §10 rules 11, 22).</summary>
public class Pin0005Tests
{
    [Fact]
    public Task DataWrittenAfterUnpin() => VerifyAsync("""
        class Goldfish
        {
            static void Transfer(AddressSpace mm, ulong address)
            {
                var pages = new Page[1];
                if ({|#2:Gup.PinUserPagesFast(mm, address, 1, GupFlags.Write, pages)|} != 1)
                    return;
                {|#1:Gup.UnpinUserPage(pages[0])|};
                {|#0:pages[0].Data|}[0] = 0x5a;
            }
        }
        """, DiagnosticWithPath("PIN0005", 2));

    [Fact]
    public Task DirtiedAfterRelease() => VerifyAsync("""
        class Videobuf
        {
            static void Release(AddressSpace mm, ulong data, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, data, n, GupFlags.Write, pages);
                if (got <= 0)
                    return;
                Gup.UnpinUserPages(pages.AsSpan(0, got));
                for (int i = 0; i < got; i++)
                    {|#0:Gup.SetPageDirtyLock(pages[i])|};
            }
        }
        """, Diagnostic("PIN0005").WithArguments("SetPageDirtyLock", "pages", "PinUserPagesFast", "'Gup.UnpinUserPages(pages.AsSpan(0, got))' at line 13"));

    [Fact]
    public Task MappedForDmaAfterRelease() => VerifyAsync("""
        class Umem
        {
            static DmaMapping? Map(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                int got = {|#1:Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (got <= 0)
                    return null;
                if (got != 2)
                {
                    Gup.UnpinUserPage(pages[0]);
                    return null;
                }
                Gup.UnpinUserPages(pages);
                return {|#0:dev.MapPages(pages)|};
            }
        }
        """, Diagnostic("PIN0005"), Diagnostic("PIN0204", 1));

    [Fact]
    public Task SinglePageReadAfterPut() => VerifyAsync("""
        class Vfio
        {
            static byte Peek(AddressSpace mm, ulong vaddr)
            {
                Page page = default;
                if (Gup.GetUserPagesFast(mm, vaddr, 1, GupFlags.None, new Span<Page>(ref page)) != 1)
                    return 0;
                Gup.PutPage(page);
                return {|#0:page.Data|}[0];
            }
        }
        """, Diagnostic("PIN0005"));

    [Fact]
    public Task DirtiedAfterReleaseOnOnePath() => VerifyAsync("""
        class Siw
        {
            static void Keep([TakesOwnership] Page[] pages) { }

            static void Run(AddressSpace mm, ulong addr, bool early)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write | GupFlags.Longterm, pages) != 1)
                    return;
                if (early)
                    Gup.UnpinUserPage(pages[0]);
                else
                    Keep(pages);
                {|#0:Gup.SetPageDirtyLock(pages[0])|};
            }
        }
        """, Diagnostic("PIN0005"));

    // ----- correct code: silent -----

    [Fact]
    public Task DirtiedBeforeRelease() => VerifyAsync("""
        class Videobuf
        {
            static void Release(AddressSpace mm, ulong data, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, data, n, GupFlags.Write, pages);
                if (got <= 0)
                    return;
                for (int i = 0; i < got; i++)
                    Gup.SetPageDirtyLock(pages[i]);
                Gup.UnpinUserPages(pages.AsSpan(0, got));
            }
        }
        """);

    [Fact]
    public Task UseThenReleaseEachElement() => VerifyAsync("""
        class Qib
        {
            static void Copy(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, start, n, GupFlags.Write, pages);
                for (int i = 0; i < got; i++)
                {
                    pages[i].Data[0] = 1;
                    Gup.UnpinUserPageRangeDirtyLock(pages[i], 1, true);
                }
            }
        }
        """);

    [Fact]
    public Task MappedWhileHeld() => VerifyAsync("""
        class Umem
        {
            static void Map(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[2];
                long got = {|#0:Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (got != 2)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                using (var mapping = dev.MapPages(pages))
                {
                    mapping.DeviceWrite(0, new byte[] { 1, 2, 3 });
                }
                Gup.UnpinUserPagesDirtyLock(pages, true);
            }
        }
        """,
        // No use after release; the snippet maps and releases in one method, so its FOLL_LONGTERM is only an info.
        Diagnostic("PIN0204"));

    [Fact]
    public Task ReacquiredBeforeUse() => VerifyAsync("""
        class Drm
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                Gup.UnpinUserPage(pages[0]);
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                pages[0].Data[0] = 1;
                Gup.UnpinUserPagesDirtyLock(pages, true);
            }
        }
        """);

    [Fact]
    public Task MetadataAfterReleaseIsNotPageData() => VerifyAsync("""
        class Vfio
        {
            static long PutPfn(AddressSpace mm, ulong vaddr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.None, pages) != 1)
                    return -1;
                Gup.UnpinUserPage(pages[0]);
                return pages[0].Pfn;
            }
        }
        """);

    [Fact]
    public Task OtherElementAfterConstantRelease() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                long got = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (got != 2)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                Gup.UnpinUserPage(pages[0]);
                pages[1].Data[0] = 1;
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(1, 1), true);
            }
        }
        """);
}
