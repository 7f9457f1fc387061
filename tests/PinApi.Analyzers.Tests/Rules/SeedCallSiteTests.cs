using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// The seed series' call sites after conversion (PinUserPages + UnpinUserPage*), with their error-unwind ladders:
/// correct code that every rule must leave silent.
/// </summary>
public class SeedCallSiteTests
{
    [Fact]
    public Task IbUmemGetChunkLoopWithUnwind() => VerifyAsync("""
        class IbUmem
        {
            private Page[]? pageList;
            private long npages;

            public int Get(AddressSpace mm, ulong addr, long size, bool writable)
            {
                long total = (size + 4095) / 4096;
                var pages = new Page[total];
                var flags = GupFlags.Longterm;
                if (writable)
                    flags |= GupFlags.Write;
                long done = 0;
                while (done < total)
                {
                    long chunk = Math.Min(512, total - done);
                    long ret = Gup.PinUserPagesFast(mm, addr + (ulong)done * 4096, (int)chunk, flags, pages.AsSpan((int)done));
                    if (ret < 0)
                        goto umem_release;
                    done += ret;
                    if (ret < chunk)
                        goto umem_release;
                }
                pageList = pages;
                npages = done;
                return 0;
            umem_release:
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)done), writable);
                return -(int)Errno.ENOMEM;
            }

            public void Release(bool dirty)
            {
                if (pageList is null)
                    return;
                Gup.UnpinUserPagesDirtyLock(pageList.AsSpan(0, (int)npages), dirty);
                pageList = null;
            }
        }
        """);

    [Fact]
    public Task Hfi1AcquireAndReleaseHelpers() => VerifyAsync("""
        static class Hfi1
        {
            public static int AcquireUserPages(AddressSpace mm, ulong vaddr, int npages, bool writable, Page[] pages)
            {
                var flags = GupFlags.Longterm | (writable ? GupFlags.Write : GupFlags.None);
                return Gup.PinUserPagesFast(mm, vaddr, npages, flags, pages);
            }

            public static void ReleaseUserPages(Page[] pages, int npages, bool dirty) =>
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, npages), dirty);

            public static int PinRange(AddressSpace mm, ulong vaddr, int npages)
            {
                var pages = new Page[npages];
                int pinned = AcquireUserPages(mm, vaddr, npages, true, pages);
                if (pinned < 0)
                    return pinned;
                ReleaseUserPages(pages, pinned, true);
                return 0;
            }
        }
        """);

    [Fact]
    public Task QibGetUserPagesWithFreePagesLabel() => VerifyAsync("""
        class Qib
        {
            public static int GetUserPages(AddressSpace mm, ulong startPage, int numPages, Page[] p)
            {
                int got = 0;
                while (got < numPages)
                {
                    int ret = Gup.PinUserPagesFast(mm, startPage + (ulong)got * 4096, numPages - got, GupFlags.Write | GupFlags.Longterm, p.AsSpan(got));
                    if (ret < 0)
                        goto free_pages;
                    got += ret;
                }
                return 0;
            free_pages:
                Gup.UnpinUserPagesDirtyLock(p.AsSpan(0, got), false);
                return -(int)Errno.ENOMEM;
            }
        }
        """);

    [Fact]
    public Task UsnicUiomGetPagesChunked() => VerifyAsync("""
        class Usnic
        {
            private readonly System.Collections.Generic.List<Page[]> chunks = new();

            public int GetPages(AddressSpace mm, ulong addr, long npages, bool writable)
            {
                var flags = writable ? GupFlags.Write | GupFlags.Longterm : GupFlags.Longterm;
                while (npages > 0)
                {
                    var pageList = new Page[Math.Min(npages, 64)];
                    long ret = Gup.PinUserPages(mm, addr, pageList.Length, flags, pageList);
                    if (ret < 0)
                        goto out_put;
                    if (ret == 0)
                        goto out_put;
                    Keep(pageList, ret);
                    npages -= ret;
                    addr += (ulong)ret * 4096;
                }
                return 0;
            out_put:
                foreach (var chunk in chunks)
                    Gup.UnpinUserPages(chunk);
                return -(int)Errno.EFAULT;
            }

            private void Keep([TakesOwnership] Page[] pages, long count) => chunks.Add(pages[..(int)count]);
        }
        """);

    [Fact]
    public Task VfioVaddrGetPfnAndPutPfn() => VerifyAsync("""
        class VfioType1
        {
            private readonly System.Collections.Generic.Dictionary<long, Page> pinned = new();

            public int VaddrGetPfn(AddressSpace mm, ulong vaddr, bool write, out long pfn)
            {
                Page page = default;
                pfn = 0;
                long ret = Gup.PinUserPagesRemote(mm, vaddr, 1, GupFlags.Longterm | (write ? GupFlags.Write : GupFlags.None), new Span<Page>(ref page));
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                pfn = page.Pfn;
                pinned[pfn] = page;
                return 0;
            }

            public void PutPfn(long pfn, bool write)
            {
                var page = pinned[pfn];
                Gup.UnpinUserPagesDirtyLock(new[] { page }, write);
            }
        }
        """);

    [Fact]
    public Task IoUringBufferRegisterUnregister() => VerifyAsync("""
        class IoMappedUbuf
        {
            private Page[] bvec = Array.Empty<Page>();
            private int nrBvecs;

            public int SqeBufferRegister(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                long pret = Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return pret < 0 ? (int)pret : -(int)Errno.EFAULT;
                }
                bvec = pages;
                nrBvecs = nrPages;
                return 0;
            }

            public void SqeBufferUnregister()
            {
                for (int j = 0; j < nrBvecs; j++)
                    Gup.UnpinUserPage(bvec[j]);
                nrBvecs = 0;
            }
        }
        """);

    [Fact]
    public Task VideobufDmaSgDirtyBeforeUnpin() => VerifyAsync("""
        class VideobufDmaSg
        {
            private Page[]? pages;
            private int nrPages;
            private bool fromDevice;

            public int InitUserLocked(AddressSpace mm, ulong data, int count, bool direction)
            {
                fromDevice = direction;
                pages = new Page[count];
                nrPages = count;
                int err = (int)Gup.PinUserPages(mm, data, nrPages, direction ? GupFlags.Write | GupFlags.Longterm : GupFlags.Longterm, pages);
                if (err != nrPages)
                {
                    nrPages = err >= 0 ? err : 0;
                    return err < 0 ? err : -(int)Errno.EINVAL;
                }
                return 0;
            }

            public void Free()
            {
                if (pages is null)
                    return;
                for (int i = 0; i < nrPages; i++)
                    if (fromDevice)
                        Gup.SetPageDirtyLock(pages[i]);
                Gup.UnpinUserPages(pages.AsSpan(0, nrPages));
                pages = null;
            }
        }
        """);

    [Fact]
    public Task XdpUmemPinAndUnpin() => VerifyAsync("""
        class XdpUmem
        {
            private Page[]? pgs;
            private int npgs;

            public int PinPages(AddressSpace mm, ulong address, int count)
            {
                var pages = new Page[count];
                int pinned = Gup.PinUserPagesFast(mm, address, count, GupFlags.Write | GupFlags.Longterm, pages);
                if (pinned != count)
                {
                    if (pinned > 0)
                        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, pinned), true);
                    return pinned < 0 ? pinned : -(int)Errno.ENOMEM;
                }
                pgs = pages;
                npgs = pinned;
                return 0;
            }

            public void UnpinPages()
            {
                if (pgs is not null)
                    Gup.UnpinUserPagesDirtyLock(pgs.AsSpan(0, npgs), true);
                pgs = null;
            }
        }
        """);

    [Fact]
    public Task DrmViaLockAndUnlockDmaBlit() => VerifyAsync("""
        class ViaDmablit
        {
            private Page[] pages = Array.Empty<Page>();
            private long numPages;
            private bool toDevice;

            public int LockUserPages(AddressSpace mm, ulong memAddr, int count, bool toDev)
            {
                toDevice = toDev;
                pages = new Page[count];
                numPages = Gup.PinUserPagesFast(mm, memAddr, count, toDev ? GupFlags.None : GupFlags.Write, pages);
                if (numPages != count)
                    return -(int)Errno.EINVAL;
                return 0;
            }

            public void ReleasePages()
            {
                if (numPages > 0)
                    Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)numPages), !toDevice);
            }
        }
        """);

    [Fact]
    public Task GoldfishPipeTransferWithReleaseLoop() => VerifyAsync("""
        class GoldfishPipe
        {
            static int TransferMaxBuffers(AddressSpace mm, ulong address, int requested, bool isWrite, byte[] data)
            {
                var pages = new Page[requested];
                int pagesCount = Gup.PinUserPagesFast(mm, address, requested, isWrite ? GupFlags.None : GupFlags.Write, pages);
                if (pagesCount <= 0)
                    return -(int)Errno.EFAULT;
                for (int i = 0; i < pagesCount; i++)
                {
                    if (!isWrite)
                        data.AsSpan(0, 16).CopyTo(pages[i].Data);
                }
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, pagesCount), !isWrite);
                return pagesCount;
            }
        }
        """);

    [Fact]
    public Task PowerpcMmIommuDoAllocPartialPin() => VerifyAsync("""
        class MmIommu
        {
            private Page[]? hpages;

            public long DoAlloc(AddressSpace mm, ulong ua, long entries)
            {
                var pages = new Page[entries];
                long pinned = 0;
                long chunk = 1024;
                for (long entry = 0; entry < entries; entry += chunk)
                {
                    long n = Math.Min(chunk, entries - entry);
                    long ret = Gup.PinUserPages(mm, ua + (ulong)entry * 4096, n, GupFlags.Write | GupFlags.Longterm, pages.AsSpan((int)entry, (int)n));
                    if (ret == n)
                    {
                        pinned += n;
                        continue;
                    }
                    if (ret > 0)
                        pinned += ret;
                    break;
                }
                if (pinned != entries)
                {
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)pinned));
                    return -(int)Errno.EFAULT;
                }
                hpages = pages;
                return 0;
            }
        }
        """);

    [Fact]
    public Task ProcessVmRwPagesWithLockedProtocol() => VerifyAsync("""
        class ProcessVmAccess
        {
            static long RwSingleVec(AddressSpace mm, ulong addr, long len, byte[] buffer)
            {
                var processPages = new Page[16];
                long nrPages = (len + 4095) / 4096;
                long copied = 0;
                while (nrPages > 0)
                {
                    int pinnedPages = (int)Math.Min(nrPages, 16);
                    bool locked = true;
                    long got;
                    using (mm.MmapReadLock())
                        got = Gup.PinUserPagesRemote(mm, addr, pinnedPages, GupFlags.None, processPages, ref locked);
                    if (got <= 0)
                        return -(int)Errno.EFAULT;
                    for (int i = 0; i < got; i++)
                        copied += processPages[i].Data.Length;
                    Gup.UnpinUserPages(processPages.AsSpan(0, (int)got));
                    nrPages -= got;
                    addr += (ulong)got * 4096;
                }
                return copied;
            }
        }
        """);

    [Fact]
    public Task MthcaMapUserDbWithDmaMapping() => VerifyAsync("""
        class MthcaMemfree
        {
            private Page[]? dbPage;
            private DmaMapping? mapping;

            public int MapUserDb(AddressSpace mm, ulong uaddr, DmaDevice dev)
            {
                var pages = new Page[1];
                int ret = Gup.PinUserPagesFast(mm, uaddr, 1, GupFlags.Write | GupFlags.Longterm, pages);
                if (ret < 0)
                    return ret;
                if (ret == 0)
                    return -(int)Errno.EFAULT;
                mapping = dev.MapPages(pages);
                dbPage = pages;
                return 0;
            }

            public void UnmapUserDb()
            {
                mapping?.Unmap();
                if (dbPage is not null)
                    Gup.UnpinUserPage(dbPage[0]);
            }
        }
        """);

    [Fact]
    public Task SiwUmemGetWithCatchAndRethrow() => VerifyAsync("""
        class SiwUmem
        {
            private Page[]? plist;

            public int Get(AddressSpace mm, ulong start, int npages)
            {
                var pages = new Page[npages];
                int got = Gup.PinUserPagesFast(mm, start, npages, GupFlags.Write | GupFlags.Longterm, pages);
                if (got < 0)
                    return got;
                try
                {
                    if (got != npages)
                        throw new InvalidOperationException("short pin");
                    plist = pages;
                }
                catch (InvalidOperationException)
                {
                    Gup.UnpinUserPages(pages.AsSpan(0, got));
                    return -(int)Errno.EFAULT;
                }
                return 0;
            }
        }
        """);

    [Fact]
    public Task OdpFaultWithGetAndPutPages() => VerifyAsync("""
        class UmemOdp
        {
            static long MapDmaPages(AddressSpace mm, ulong start, int npages, Func<long, bool> invalidated)
            {
                var local = new Page[npages];
                long ret = Gup.GetUserPagesRemote(mm, start, npages, GupFlags.Write, local);
                if (ret < 0)
                    return ret;
                for (int j = 0; j < ret; j++)
                {
                    if (!invalidated(j))
                        Gup.PutPage(local[j]);
                    else
                        Gup.PutPage(local[j]);
                }
                return ret;
            }
        }
        """);
}
