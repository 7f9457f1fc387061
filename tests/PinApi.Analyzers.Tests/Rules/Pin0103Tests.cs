using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0103: pages dirtied (makeDirty: true, SetPageDirtyLock) that were pinned without GupFlags.Write (KERNEL.md §10 rule 12).</summary>
public class Pin0103Tests
{
    [Fact]
    public Task UnpinDirtyLockTrueOnAReadOnlyPin() => VerifyAsync("""
        class XdpUmem
        {
            static void Run(AddressSpace mm, ulong address, int count)
            {
                var pages = new Page[count];
                int pinned = Gup.PinUserPagesFast(mm, address, count, GupFlags.None, pages);
                if (pinned <= 0)
                    return;
                {|#0:Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, pinned), true)|};
            }
        }
        """, Diagnostic("PIN0103").WithArguments("UnpinUserPagesDirtyLock", "pages", "PinUserPagesFast"));

    [Fact]
    public Task SetPageDirtyLockOnAPinTakenWithForceOnly() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Free(AddressSpace mm, ulong data, int n)
            {
                var flags = GupFlags.Force;
                var pages = new Page[n];
                int got = (int)Gup.PinUserPages(mm, data, n, flags, pages);
                if (got <= 0)
                    return;
                for (int i = 0; i < got; i++)
                    {|#0:Gup.SetPageDirtyLock(pages[i])|};
                Gup.UnpinUserPages(pages.AsSpan(0, got));
            }
        }
        """, Diagnostic("PIN0103"));

    [Fact]
    public Task RangeReleaseDirtyingASinglePageReadOnlyPin() => VerifyAsync("""
        class VfioIommuType1
        {
            static void PutPfn(AddressSpace mm, ulong vaddr)
            {
                Page page = default;
                if (Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.None, new Span<Page>(ref page)) != 1)
                    return;
                {|#0:Gup.UnpinUserPageRangeDirtyLock(page, 1, makeDirty: true)|};
            }
        }
        """, Diagnostic("PIN0103"));

    // ----- correct code: silent -----

    [Fact]
    public Task VariableMakeDirtyOnAReadOnlyPin() => VerifyAsync("""
        class DrmVia
        {
            static void Blit(AddressSpace mm, ulong addr, bool toDevice)
            {
                var pages = new Page[2];
                long got = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.None, pages);
                if (got <= 0)
                    return;
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)got), !toDevice);
            }
        }
        """);

    [Fact]
    public Task WritePinDirtiedOnRelease() => VerifyAsync("""
        class XdpUmem
        {
            static void Run(AddressSpace mm, ulong address, int count)
            {
                var pages = new Page[count];
                int pinned = Gup.PinUserPagesFast(mm, address, count, GupFlags.Write, pages);
                if (pinned <= 0)
                    return;
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, pinned), true);
            }
        }
        """);

    [Fact]
    public Task IbUmemWritableFlagAtBothEnds() => VerifyAsync("""
        class IbUmem
        {
            public bool Writable;
            private Page[] pageList = Array.Empty<Page>();
            private int npages;

            public int Get(AddressSpace mm, ulong addr, int n)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, addr, n, (Writable ? GupFlags.Write : GupFlags.None) | GupFlags.Longterm, pages);
                if (got <= 0)
                    return -(int)Errno.EFAULT;
                pageList = pages;
                npages = got;
                return 0;
            }

            public static void Release(IbUmem umem)
            {
                Gup.UnpinUserPagesDirtyLock(umem.pageList.AsSpan(0, umem.npages), umem.Writable);
            }
        }
        """);

    [Fact]
    public Task WriteAddedWithOrAssignmentOnThePath() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Capture(AddressSpace mm, ulong data)
            {
                var flags = GupFlags.Force;
                flags |= GupFlags.Write;
                var pages = new Page[1];
                if (Gup.PinUserPages(mm, data, 1, flags, pages) != 1)
                    return;
                Gup.SetPageDirtyLock(pages[0]);
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """);
}
