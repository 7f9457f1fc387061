using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0102: raw SetPageDirty on a GUP page without its page lock (KERNEL.md §6 "Why _lock", §10 rule 10; the goldfish
/// and vfio conversions of the seed replaced set_page_dirty()/SetPageDirty() with the _lock variant).
/// </summary>
public class Pin0102Tests
{
    [Fact]
    public Task GoldfishReleaseLoopSetPageDirty() => VerifyAsync("""
        class GoldfishPipe
        {
            static int Transfer(AddressSpace mm, ulong address, int requested, bool isWrite, byte[] data)
            {
                var pages = new Page[requested];
                int pagesCount = {|#1:Gup.PinUserPagesFast(mm, address, requested, isWrite ? GupFlags.None : GupFlags.Write, pages)|};
                if (pagesCount <= 0)
                    return -(int)Errno.EFAULT;
                for (int i = 0; i < pagesCount; i++)
                {
                    if (!isWrite)
                    {
                        data.AsSpan(0, 16).CopyTo(pages[i].Data);
                        {|#0:Gup.SetPageDirty(pages[i])|};
                    }
                    Gup.UnpinUserPage(pages[i]);
                }
                return pagesCount;
            }
        }
        """, DiagnosticWithPath("PIN0102", 1).WithArguments("SetPageDirty", "pages", "PinUserPagesFast", "SetPageDirtyLock"));

    [Fact]
    public Task VfioPutPfnSetPageDirtyThenUnpin() => VerifyAsync("""
        class VfioIommuType1
        {
            static void PinAndPut(AddressSpace mm, ulong vaddr, bool write, Iommu domain)
            {
                Page page = default;
                if (Gup.PinUserPagesFast(mm, vaddr, 1, write ? GupFlags.Write : GupFlags.None, new Span<Page>(ref page)) != 1)
                    return;
                domain.Map(0x1000, page, write ? Protection.ReadWrite : Protection.Read);
                domain.Unmap(0x1000, 4096);
                if (write)
                    {|#0:Gup.SetPageDirty(page)|};
                Gup.UnpinUserPage(page);
            }
        }
        """, Diagnostic("PIN0102"));

    [Fact]
    public Task DirtiedAfterThePageLockWasDropped() => VerifyAsync("""
        class PowerpcMmIommu
        {
            static void Unpin(AddressSpace mm, ulong ua)
            {
                var pages = new Page[1];
                if (Gup.PinUserPages(mm, ua, 1, GupFlags.Write, pages) != 1)
                    return;
                pages[0].Data[0] = 1;
                Gup.LockPage(pages[0]);
                Gup.UnlockPage(pages[0]);
                {|#0:Gup.SetPageDirty(pages[0])|};
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0102"));

    // ----- correct code: silent -----

    [Fact]
    public Task SetPageDirtyUnderThePageLock() => VerifyAsync("""
        class GoldfishPipe
        {
            static void Transfer(AddressSpace mm, ulong address, byte[] data)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, address, 1, GupFlags.Write, pages) != 1)
                    return;
                data.AsSpan(0, 16).CopyTo(pages[0].Data);
                Gup.LockPage(pages[0]);
                Gup.SetPageDirty(pages[0]);
                Gup.UnlockPage(pages[0]);
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """);

    [Fact]
    public Task SetPageDirtyLockIsTheLockedVariant() => VerifyAsync("""
        class GoldfishPipe
        {
            static void Transfer(AddressSpace mm, ulong address, byte[] data)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, address, 1, GupFlags.Write, pages) != 1)
                    return;
                data.AsSpan(0, 16).CopyTo(pages[0].Data);
                Gup.SetPageDirtyLock(pages[0]);
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """);

    [Fact]
    public Task PageOfUnknownProvenanceIsNotAGupPage() => VerifyAsync("""
        class PowerpcMmIommu
        {
            static void MarkDirty(Page page) => Gup.SetPageDirty(page);
        }
        """);
}
