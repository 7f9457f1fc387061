namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/sw/siw/siw_mem.c, <c>siw_umem_get()</c> / <c>siw_umem_release()</c> / <c>siw_free_plist()</c> as
/// of v5.5, before the series: <c>get_user_pages(…, foll_flags | FOLL_LONGTERM, …)</c> and
/// <c>put_user_pages_dirty_lock()</c>. siw is software RDMA: the "device" is the kernel copying into the pages through
/// <c>kmap()</c> (<c>siw_get_upage()</c>), i.e. writing page data through FOLL_GET references. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class SiwMem : IUserBufferDriver
{
    /// <summary>PAGES_PER_CHUNK = PAGE_SIZE / sizeof(struct page *).</summary>
    private const int PagesPerChunk = PageMath.PageSize / 8;

    private SiwUmem? umem;

    public string Name => "siw_mem";

    public string KernelSite => "drivers/infiniband/sw/siw/siw_mem.c: siw_umem_get, siw_umem_release";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        var rv = SiwUmemGet(mm, address, length, writable: true, out umem);
        return rv < 0 ? rv : 0;
    }

    /// <summary>siw_rx_umem(): copy the received payload into the user pages, page by page.</summary>
    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        var done = 0;
        while (done < bytes.Length)
        {
            var at = (ulong)offset + (ulong)done;
            var page = SiwGetUpage(umem!, umem!.FpAddr + at);
            var inPage = (int)Math.Min((ulong)(bytes.Length - done), PageMath.PageSize - (at % PageMath.PageSize));
            bytes.Slice(done, inPage).CopyTo(page.Data[(int)(at % PageMath.PageSize)..]);
            done += inPage;
        }

        return 0;
    }

    /// <summary>siw_tx_hdt(): the transmit path reads the user pages.</summary>
    public int DeviceRead(long offset, Span<byte> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var at = (ulong)offset + (ulong)done;
            var page = SiwGetUpage(umem!, umem!.FpAddr + at);
            var inPage = (int)Math.Min((ulong)(destination.Length - done), PageMath.PageSize - (at % PageMath.PageSize));
            page.Data.Slice((int)(at % PageMath.PageSize), inPage).CopyTo(destination[done..]);
            done += inPage;
        }

        return 0;
    }

    public void Release()
    {
        if (umem is not null)
        {
            SiwUmemRelease(umem, dirty: true);
            umem = null;
        }
    }

    /// <summary><c>siw_get_upage()</c>: the page backing a user address of the umem.</summary>
    private static Page SiwGetUpage(SiwUmem umem, ulong addr)
    {
        var pageIdx = (int)((addr - umem.FpAddr) >> PageMath.PageShift);
        return umem.PageChunk[pageIdx / PagesPerChunk].Plist[pageIdx % PagesPerChunk];
    }

    private static void SiwFreePlist(PageChunk chunk, int numPages, bool dirty) =>
        Gup.PutUserPagesDirtyLock(chunk.Plist.AsSpan(0, numPages), dirty);

    private static void SiwUmemRelease(SiwUmem umem, bool dirty)
    {
        var numPages = umem.NumPages;
        for (var i = 0; numPages > 0; i++)
        {
            var toFree = Math.Min(PagesPerChunk, numPages);
            SiwFreePlist(umem.PageChunk[i], toFree, umem.Writable && dirty);
            numPages -= toFree;
        }

        umem.OwningMm.AccountPinnedVm(umem.NumPages, increment: false);
        umem.NumPages = 0;
    }

    private static int SiwUmemGet(AddressSpace mmS, ulong start, ulong len, bool writable, out SiwUmem? result)
    {
        result = null;
        if (len == 0)
        {
            return -(int)Errno.EINVAL;
        }

        var firstPageVa = start & PageMath.PageMask;
        var numPages = (int)(PageMath.PageAlign(start + len - firstPageVa) >> PageMath.PageShift);
        var numChunks = (numPages / PagesPerChunk) + 1;
        var umem = new SiwUmem(mmS, writable, firstPageVa, new PageChunk[numChunks]);
        var follFlags = GupFlags.Write;
        if (!writable)
        {
            follFlags |= GupFlags.Force;
        }

        long rv = 0;
        using (mmS.MmapReadLock())
        {
            var mlockLimit = mmS.RlimitMemlock == ulong.MaxValue ? long.MaxValue : (long)(mmS.RlimitMemlock >> PageMath.PageShift);
            if (numPages + mmS.PinnedVm > mlockLimit)
            {
                rv = -(int)Errno.ENOMEM;
                goto out_sem_up;
            }

            for (var i = 0; numPages > 0; i++)
            {
                var nents = Math.Min(numPages, PagesPerChunk);
                umem.PageChunk[i] = new PageChunk(new Page[nents]);
                var got = 0;
                while (nents > 0)
                {
                    // v5.5: foll_flags | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
                    rv = Gup.GetUserPages(mmS, firstPageVa, nents, follFlags | GupFlags.Longterm, umem.PageChunk[i].Plist.AsSpan(got));
                    if (rv < 0)
                    {
                        goto out_sem_up;
                    }

                    umem.NumPages += (int)rv;

                    // atomic64_add(rv, &mm_s->pinned_vm): the limit was checked above.
                    _ = mmS.AccountPinnedVm(rv, increment: true);
                    firstPageVa += (ulong)rv * PageMath.PageSize;
                    nents -= (int)rv;
                    got += (int)rv;
                }

                numPages -= got;
            }
        }

    out_sem_up:
        if (rv > 0)
        {
            result = umem;
            return (int)rv;
        }

        SiwUmemRelease(umem, dirty: false);
        return (int)rv;
    }

    private sealed record PageChunk(Page[] Plist);

    /// <summary><c>struct siw_umem</c>.</summary>
    private sealed class SiwUmem(AddressSpace owningMm, bool writable, ulong fpAddr, PageChunk[] pageChunk)
    {
        public AddressSpace OwningMm { get; } = owningMm;

        public bool Writable { get; } = writable;

        public ulong FpAddr { get; } = fpAddr;

        public PageChunk[] PageChunk { get; } = pageChunk;

        public int NumPages { get; set; }
    }
}
