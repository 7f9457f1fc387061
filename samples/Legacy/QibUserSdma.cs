using PinApi.Contracts;

namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/hw/qib/qib_user_sdma.c, <c>qib_user_sdma_pin_pages()</c> / <c>qib_user_sdma_page_to_frags()</c> /
/// <c>qib_user_sdma_free_pkt_frag()</c> as of v5.5, before the series: <c>get_user_pages_fast(addr, j, FOLL_LONGTERM,
/// pages)</c> and <c>put_user_page()</c>. Send DMA: the chip reads the packet payload. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class QibUserSdma : IUserBufferDriver
{
    private readonly List<Frag> pkt = [];

    public string Name => "qib_user_sdma";

    public string KernelSite => "drivers/infiniband/hw/qib/qib_user_sdma.c: qib_user_sdma_pin_pages, qib_user_sdma_free_pkt_frag";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => false;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        var npages = (int)PageMath.NumPages(address, length);
        var ret = QibUserSdmaPinPages(mm, dma, address, (int)length, npages);
        if (ret < 0)
        {
            QibUserSdmaFreePktFrags();
        }

        return ret;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes) => -(int)Errno.EPERM;

    /// <summary>The SDMA engine walks the packet's fragments in order.</summary>
    public int DeviceRead(long offset, Span<byte> destination)
    {
        long at = 0;
        var done = 0;
        foreach (var frag in pkt)
        {
            if (done < destination.Length && offset + done < at + frag.Length && offset + done >= at)
            {
                var inFrag = (int)Math.Min(destination.Length - done, at + frag.Length - (offset + done));
                frag.Mapping.DeviceRead(frag.Offset + (offset + done - at), destination.Slice(done, inFrag));
                done += inFrag;
            }

            at += frag.Length;
        }

        return done == destination.Length ? 0 : -(int)Errno.EFAULT;
    }

    public void Release() => QibUserSdmaFreePktFrags();

    private int QibUserSdmaPinPages(AddressSpace mm, DmaDevice dma, ulong addr, int tlen, int npages)
    {
        // struct page *pages[8]: one batch of the payload at a time.
        Span<Page> pages = new Page[8];
        while (npages > 0)
        {
            var j = npages > 8 ? 8 : npages;
            // v5.5: FOLL_LONGTERM (restored; seed-era machine, PIN0201).
            var got = Gup.GetUserPagesFast(mm, addr & PageMath.PageMask, j, GupFlags.Longterm, pages);
            if (got != j)
            {
                // free_pages with i = 0, j = ret: "if error, return all pages not managed by pkt"
                for (var i = 0; i < got; i++)
                {
                    Gup.PutUserPage(pages[i]);
                }

                return -(int)Errno.ENOMEM;
            }

            var ret = QibUserSdmaPagesToFrags(dma, pages[..j], ref addr, ref tlen);
            if (ret < 0)
            {
                return ret;
            }

            npages -= j;
        }

        return 0;
    }

    /// <summary>
    /// The kernel's per-page loop of <c>qib_user_sdma_pin_pages()</c>, given the batch: each page becomes a packet
    /// fragment that keeps its reference; after a failure the pages the packet does not manage are given back.
    /// </summary>
    private int QibUserSdmaPagesToFrags(DmaDevice dma, Span<Page> pages, ref ulong addr, ref int tlen)
    {
        var i = 0;
        var ret = 0;
        for (; i < pages.Length; i++)
        {
            // map the pages...
            var fofs = (int)(addr & ~PageMath.PageMask);
            var flen = fofs + tlen > PageMath.PageSize ? PageMath.PageSize - fofs : tlen;
            ret = QibUserSdmaPageToFrags(dma, pages[i], fofs, flen);
            if (ret < 0)
            {
                // "current page has beed taken care of inside above call."
                i++;
                goto free_pages;
            }

            addr += (ulong)flen;
            tlen -= flen;
        }

        return ret;

    // "if error, return all pages not managed by pkt"
    free_pages:
        while (i < pages.Length)
        {
            Gup.PutUserPage(pages[i++]);
        }

        return ret;
    }

    /// <summary>pci_map_page(…, PCI_DMA_TODEVICE); the fragment keeps the reference (put_page = 1) until the packet is freed.</summary>
    private int QibUserSdmaPageToFrags(DmaDevice dma, [TakesOwnership] Page page, int offset, int len)
    {
        var mapping = dma.MapPages([page]);
        pkt.Add(new Frag(page, mapping, offset, len));
        return 0;
    }

    /// <summary><c>qib_user_sdma_free_pkt_frag()</c> for every fragment: pci_unmap_page + <c>put_user_page()</c>.</summary>
    private void QibUserSdmaFreePktFrags()
    {
        foreach (var frag in pkt)
        {
            frag.Mapping.Unmap();
            Gup.PutUserPage(frag.Page);
        }

        pkt.Clear();
    }

    private sealed record Frag(Page Page, DmaMapping Mapping, int Offset, int Length);
}
