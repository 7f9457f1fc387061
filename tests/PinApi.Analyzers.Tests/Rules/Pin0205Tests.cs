using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0205: FOLL_GET references handed to a device ([RequiresPin]) or written through (KERNEL.md §1, §10 rule 14; Case 5
/// of pin_user_pages.rst: DMA and kmap writes need FOLL_PIN).
/// </summary>
public class Pin0205Tests
{
    [Fact]
    public Task GetPagesMappedForDma() => VerifyAsync("""
        class Mthca
        {
            static void Map(AddressSpace mm, ulong uaddr, DmaDevice dev)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, uaddr, 1, GupFlags.Write, pages) != 1)
                    return;
                using (var mapping = {|#0:dev.MapPages(pages)|})
                    mapping.DeviceWrite(0, new byte[] { 1 });
                Gup.SetPageDirtyLock(pages[0]);
                Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0205").WithArguments("'MapPages'", "hands a device", "pages", "GetUserPagesFast", "PinUserPagesFast"));

    [Fact]
    public Task GetPagesWrittenThroughPageData() => VerifyAsync("""
        class Goldfish
        {
            static void Transfer(AddressSpace mm, ulong address, byte[] data)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesUnlocked(mm, address, 1, GupFlags.Write, pages) != 1)
                    return;
                data.AsSpan(0, 16).CopyTo({|#0:pages[0].Data|});
                Gup.SetPageDirtyLock(pages[0]);
                Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0205").WithArguments("'pages[0].Data'", "writes into", "pages", "GetUserPagesUnlocked", "PinUserPagesUnlocked"));

    [Fact]
    public Task GetPageMappedIntoAnIommu() => VerifyAsync("""
        class VfioIommuType1
        {
            static int MapOne(AddressSpace mm, ulong vaddr, ulong iova, Iommu domain)
            {
                Page page = default;
                long ret;
                using (mm.MmapReadLock())
                    ret = Gup.GetUserPagesRemote(mm, vaddr, 1, GupFlags.Write, new Span<Page>(ref page));
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                int rc = {|#0:domain.Map(iova, page, Protection.ReadWrite)|};
                domain.Unmap(iova, 4096);
                Gup.SetPageDirtyLock(page);
                Gup.PutPage(page);
                return rc;
            }
        }
        """, Diagnostic("PIN0205"));

    [Fact]
    public Task GetPagesHandedToADeviceThatOnlyReads() => VerifyAsync("""
        class Siw
        {
            static void SendToDevice([RequiresPin(DeviceWrites = false)] ReadOnlySpan<Page> pages) { }

            static void Send(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                int got = Gup.GetUserPagesFast(mm, addr, 2, GupFlags.None, pages);
                if (got != 2)
                {
                    for (int i = 0; i < got; i++)
                        Gup.PutPage(pages[i]);
                    return;
                }
                {|#0:SendToDevice(pages)|};
                foreach (var page in pages)
                    Gup.PutPage(page);
            }
        }
        """, Diagnostic("PIN0205").WithArguments("'SendToDevice'", "hands a device", "pages", "GetUserPagesFast", "PinUserPagesFast"));

    [Fact]
    public Task ReadOnlyGetWrittenThroughIsAlsoPin0104() => VerifyAsync("""
        class Siw
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                {|#0:pages[0].Data|}[0] = 1;
                Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0205"), Diagnostic("PIN0104"));

    // ----- correct code: silent -----

    [Fact]
    public Task PinnedPagesMappedAndWritten() => VerifyAsync("""
        class Mthca
        {
            static void Map(AddressSpace mm, ulong uaddr, DmaDevice dev)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, uaddr, 1, GupFlags.Write, pages) != 1)
                    return;
                using (var mapping = dev.MapPages(pages))
                    mapping.DeviceWrite(0, new byte[] { 1 });
                pages[0].Data[1] = 2;
                Gup.UnpinUserPagesDirtyLock(pages, true);
            }
        }
        """);

    [Fact]
    public Task GetPagesOnlyReadByTheCpu() => VerifyAsync("""
        class UmemOdp
        {
            static byte Peek(AddressSpace mm, ulong addr, byte[] dst)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return 0;
                pages[0].Data.Slice(0, dst.Length).CopyTo(dst);
                byte first = pages[0].Data[0];
                Gup.PutPage(pages[0]);
                return first;
            }
        }
        """);

    [Fact]
    public Task ReadOnlyDevicePinWithoutWrite() => VerifyAsync("""
        class Siw
        {
            static void SendToDevice([RequiresPin(DeviceWrites = false)] ReadOnlySpan<Page> pages) { }

            static void Send(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                int got = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.None, pages);
                if (got != 2)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, got));
                    return;
                }
                SendToDevice(pages);
                Gup.UnpinUserPages(pages);
            }
        }
        """);
}
