using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0101: a FOLL_WRITE pin whose pages were written (by a device or through page data) released without dirtying
/// them (KERNEL.md §6, §10 rule 9; the videobuf fix of the seed, v12 10/22).
/// </summary>
public class Pin0101Tests
{
    [Fact]
    public Task VideobufCaptureUnpinnedWithoutDirtying() => VerifyAsync("""
        class VideobufDmaSg
        {
            static int Capture(AddressSpace mm, ulong data, int n, DmaDevice dev)
            {
                var pages = new Page[n];
                int err = {|#1:Gup.PinUserPagesFast(mm, data, n, GupFlags.Write, pages)|};
                if (err != n)
                {
                    if (err > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, err));
                    return -(int)Errno.EINVAL;
                }
                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1, 2, 3 });
                {|#0:Gup.UnpinUserPages(pages)|};
                return 0;
            }
        }
        """, Diagnostic("PIN0101"));

    [Fact]
    public Task ConstantFalseMakeDirtyOnAWritePin() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Capture(AddressSpace mm, ulong data, DmaDevice dev)
            {
                var pages = new Page[4];
                long got = Gup.PinUserPages(mm, data, 4, GupFlags.Write, pages);
                if (got != 4)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                var sg = dev.MapPages(pages);
                sg.DeviceWrite(0, new byte[] { 1 });
                sg.Unmap();
                {|#0:Gup.UnpinUserPagesDirtyLock(pages, false)|};
            }
        }
        """, Diagnostic("PIN0101").WithArguments("UnpinUserPagesDirtyLock", "pages", "PinUserPages", " on the path where 'got != 4' is false (line 11)"));

    [Fact]
    public Task PageDataWrittenThenUnpinnedPerPage() => VerifyAsync("""
        class QibUserSdma
        {
            static void Fill(AddressSpace mm, ulong addr, byte[] src)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                src.AsSpan(0, 16).CopyTo(pages[0].Data);
                {|#0:Gup.UnpinUserPage(pages[0])|};
            }
        }
        """, Diagnostic("PIN0101"));

    [Fact]
    public Task IommuMappedPageReleasedWithoutDirtying() => VerifyAsync("""
        class VfioIommuType1
        {
            static int MapAndUnmap(AddressSpace mm, ulong vaddr, ulong iova, Iommu domain)
            {
                Page page = default;
                if (Gup.PinUserPagesFast(mm, vaddr, 1, GupFlags.Write, new Span<Page>(ref page)) != 1)
                    return -(int)Errno.EFAULT;
                int ret = domain.Map(iova, page, Protection.ReadWrite);
                domain.Unmap(iova, 4096);
                {|#0:Gup.UnpinUserPageRangeDirtyLock(page, 1, false)|};
                return ret;
            }
        }
        """, Diagnostic("PIN0101"));

    [Fact]
    public Task WrittenOnOnePathOnly() => VerifyAsync("""
        class Goldfish
        {
            static void Transfer(AddressSpace mm, ulong address, bool fromDevice, DmaDevice dev)
            {
                var pages = new Page[2];
                int got = Gup.PinUserPagesFast(mm, address, 2, GupFlags.Write, pages);
                if (got != 2)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, got));
                    return;
                }
                if (fromDevice)
                    dev.MapPages(pages).DeviceWrite(0, new byte[] { 7 });
                {|#0:Gup.UnpinUserPages(pages)|};
            }
        }
        """, Diagnostic("PIN0101"));

    // ----- correct code: silent -----

    [Fact]
    public Task VideobufUnpinDirtyLockTrue() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Capture(AddressSpace mm, ulong data, DmaDevice dev)
            {
                var pages = new Page[4];
                long got = Gup.PinUserPages(mm, data, 4, GupFlags.Write, pages);
                if (got != 4)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1 });
                Gup.UnpinUserPagesDirtyLock(pages, true);
            }
        }
        """);

    [Fact]
    public Task VariableMakeDirtyIsTrusted() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Capture(AddressSpace mm, ulong data, DmaDevice dev, bool fromDevice)
            {
                var pages = new Page[4];
                long got = Gup.PinUserPages(mm, data, 4, GupFlags.Write, pages);
                if (got != 4)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1 });
                Gup.UnpinUserPagesDirtyLock(pages, makeDirty: fromDevice);
            }
        }
        """);

    [Fact]
    public Task IbUmemReleasedDirtyWhenWritable() => VerifyAsync("""
        class IbUmem
        {
            public bool Writable;
            private Page[] pageList = Array.Empty<Page>();
            private int npages;
            private DmaMapping? sg;

            public int Get(AddressSpace mm, ulong addr, int n, DmaDevice dev)
            {
                var pages = new Page[n];
                int got = Gup.PinUserPagesFast(mm, addr, n, (Writable ? GupFlags.Write : GupFlags.None) | GupFlags.Longterm, pages);
                if (got != n)
                {
                    if (got > 0)
                        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, got), false);
                    return -(int)Errno.EFAULT;
                }
                pageList = pages;
                npages = got;
                sg = dev.MapPages(pages);
                return 0;
            }

            public static void Release(IbUmem umem)
            {
                umem.sg?.Unmap();
                Gup.UnpinUserPagesDirtyLock(umem.pageList.AsSpan(0, umem.npages), umem.Writable);
            }
        }
        """);

    [Fact]
    public Task SetPageDirtyLockOnEachPageBeforeItsUnpin() => VerifyAsync("""
        class VideobufDmaSg
        {
            static void Free(AddressSpace mm, ulong data, int n, DmaDevice dev)
            {
                var pages = new Page[n];
                int got = (int)Gup.PinUserPages(mm, data, n, GupFlags.Write, pages);
                if (got <= 0)
                    return;
                using (var sg = dev.MapPages(pages.AsSpan(0, got)))
                    sg.DeviceWrite(0, new byte[] { 1 });
                for (int i = 0; i < got; i++)
                {
                    Gup.SetPageDirtyLock(pages[i]);
                    Gup.UnpinUserPage(pages[i]);
                }
            }
        }
        """);

    [Fact]
    public Task ErrorUnwindOfAnUnusedWritePin() => VerifyAsync("""
        class IoUring
        {
            private Page[] bvec = Array.Empty<Page>();

            public int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret != nrPages)
                {
                    // release any pages we did get
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
    public Task WritePinOnlyReadIsNotDirtied() => VerifyAsync("""
        class ProcessVmAccess
        {
            static void Read(AddressSpace mm, ulong addr, byte[] dst)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages) != 1)
                    return;
                pages[0].Data.Slice(0, dst.Length).CopyTo(dst);
                Gup.UnpinUserPages(pages);
            }
        }
        """);

    [Fact]
    public Task DirtyLoopBeforeABulkUnpinIsDirtying() => VerifyAsync("""
        class Videobuf
        {
            static void Run(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[4];
                long got = Gup.PinUserPages(mm, addr, 4, GupFlags.Write, pages);
                if (got != 4)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1 });
                for (int i = 0; i < 4; i++)
                    Gup.SetPageDirtyLock(pages[i]);
                Gup.UnpinUserPages(pages);
            }
        }
        """);

    [Fact]
    public Task DirtyForeachBeforeABulkUnpinIsDirtying() => VerifyAsync("""
        class Videobuf
        {
            static void Run(AddressSpace mm, ulong addr, DmaDevice dev)
            {
                var pages = new Page[4];
                long got = Gup.PinUserPages(mm, addr, 4, GupFlags.Write, pages);
                if (got != 4)
                {
                    if (got > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)got));
                    return;
                }
                using (var sg = dev.MapPages(pages))
                    sg.DeviceWrite(0, new byte[] { 1 });
                foreach (var page in pages)
                    Gup.SetPageDirtyLock(page);
                Gup.UnpinUserPages(pages);
            }
        }
        """);
}
