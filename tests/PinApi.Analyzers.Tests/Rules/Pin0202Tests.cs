using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0202: GupFlags.Longterm on a *Remote call that passes <c>locked</c> (KERNEL.md §4; seed #6 "mm: fix
/// get_user_pages_remote()'s handling of FOLL_LONGTERM": FOLL_LONGTERM only when locked is NULL).
/// </summary>
public class Pin0202Tests
{
    [Fact]
    public Task PinUserPagesRemoteLongtermWithLocked() => VerifyAsync("""
        class VfioIommuType1
        {
            public static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

            static int VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write, out long pfn)
            {
                var pages = new Page[1];
                bool locked = true;
                pfn = 0;
                var mmapLock = mm.MmapReadLock();
                long ret = {|#0:Gup.PinUserPagesRemote(mm, vaddr, 1, (write ? GupFlags.Write : GupFlags.None) | GupFlags.Longterm, pages, ref locked)|};
                if (locked)
                    mmapLock.Dispose();
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                pfn = PageToPfn(pages[0]);
                return 0;
            }
        }
        """, Diagnostic("PIN0202").WithArguments("PinUserPagesRemote"));

    [Fact]
    public Task LongtermFromALocalWithLocked() => VerifyAsync("""
        class ProcessVmAccess
        {
            private Page[] kept = Array.Empty<Page>();

            long Pin(AddressSpace mm, ulong pa, int n)
            {
                var flags = GupFlags.Write;
                flags |= GupFlags.Longterm;
                var pages = new Page[n];
                bool locked = true;
                long got;
                using (mm.MmapReadLock())
                    got = {|#0:Gup.PinUserPagesRemote(mm, pa, n, flags, pages, ref locked)|};
                if (got > 0)
                    kept = pages;
                return got;
            }
        }
        """, Diagnostic("PIN0202"));

    [Fact]
    public Task GetUserPagesRemoteLongtermWithLockedIsBothRules() => VerifyAsync("""
        class Vfio
        {
            static void Peek(AddressSpace mm, ulong vaddr)
            {
                var pages = new Page[1];
                bool locked = true;
                long got;
                using (mm.MmapReadLock())
                    got = {|#0:Gup.GetUserPagesRemote(mm, vaddr, 1, GupFlags.Longterm, pages, ref locked)|};
                if (got == 1)
                    Gup.PutPage(pages[0]);
            }
        }
        """, Diagnostic("PIN0202"), Diagnostic("PIN0201"));

    // ----- correct code: silent -----

    [Fact]
    public Task VfioRemoteLongtermWithoutLocked() => VerifyAsync("""
        class VfioIommuType1
        {
            public static long PageToPfn([TakesOwnership] Page page) => page.Pfn;

            static int VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write, out long pfn)
            {
                var flags = GupFlags.None;
                pfn = 0;
                if (write)
                    flags |= GupFlags.Write;
                Span<Page> page = new Page[1];
                using (mm.MmapReadLock())
                {
                    long ret = Gup.PinUserPagesRemote(mm, vaddr, 1, flags | GupFlags.Longterm, page);
                    if (ret == 1)
                    {
                        pfn = PageToPfn(page[0]);
                        return 0;
                    }
                    return (int)ret;
                }
            }
        }
        """);

    [Fact]
    public Task ProcessVmAccessLockedWithoutLongterm() => VerifyAsync("""
        class ProcessVmAccess
        {
            static long RwSingleVec(AddressSpace mm, ulong addr, bool vmWrite, byte[] buffer)
            {
                var flags = GupFlags.None;
                if (vmWrite)
                    flags |= GupFlags.Write;
                var processPages = new Page[1];
                bool locked = true;
                var mmapLock = mm.MmapReadLock();
                long pinned = Gup.PinUserPagesRemote(mm, addr, 1, flags, processPages, ref locked);
                if (locked)
                    mmapLock.Dispose();
                if (pinned <= 0)
                    return -(int)Errno.EFAULT;
                if (vmWrite)
                    buffer.AsSpan(0, 16).CopyTo(processPages[0].Data);
                Gup.UnpinUserPagesDirtyLock(processPages.AsSpan(0, (int)pinned), vmWrite);
                return 0;
            }
        }
        """);
}
