namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/hw/hfi1/user_pages.c, <c>hfi1_can_pin_pages()</c> / <c>hfi1_acquire_user_pages()</c> /
/// <c>hfi1_release_user_pages()</c> as of v5.5, before the series: <c>get_user_pages_fast(vaddr, npages, FOLL_LONGTERM |
/// FOLL_WRITE, pages)</c>, released with the placeholder <c>put_user_pages_dirty_lock()</c>. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
///
/// driven the way user_exp_rcv.c's <c>pin_rcv_pages()</c> / <c>unpin_rcv_pages()</c> drive them.
/// </summary>
public sealed class Hfi1UserPages : IUserBufferDriver
{
    private AddressSpace? mm;
    private Page[] pages = [];
    private int pinned;
    private DmaMapping? mapping;
    private long tidNPinned;

    public string Name => "hfi1_user_pages";

    public string KernelSite => "drivers/infiniband/hw/hfi1/user_pages.c: hfi1_acquire_user_pages, hfi1_release_user_pages";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        this.mm = mm;
        var npages = (int)PageMath.NumPages(address, length);

        // pin_rcv_pages(): "Pin all the pages of the user buffer" if the cache limits allow it.
        if (!Hfi1CanPinPages(mm, tidNPinned, npages))
        {
            return -(int)Errno.ENOMEM;
        }

        pages = new Page[npages];
        var got = Hfi1AcquireUserPages(mm, address & PageMath.PageMask, npages, writable: true, pages);
        if (got <= 0)
        {
            pages = [];
            return got == 0 ? -(int)Errno.EFAULT : got;
        }

        pinned = got;
        tidNPinned += got;
        if (got != npages)
        {
            // The receive setup programs only whole buffers here: give back the partial pin (unpin_rcv_pages).
            Hfi1ReleaseUserPages(mm, pages.AsSpan(0, got), dirty: false);
            tidNPinned -= got;
            pinned = 0;
            return -(int)Errno.EFAULT;
        }

        // set_rcvarray_entry(): pci_map_single() of each page set for the receive DMA.
        mapping = dma.MapPages(pages);
        return 0;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        mapping!.DeviceWrite(offset, bytes);
        return 0;
    }

    public int DeviceRead(long offset, Span<byte> destination)
    {
        mapping!.DeviceRead(offset, destination);
        return 0;
    }

    /// <summary><c>unpin_rcv_pages(…, mapped = true)</c>: the receive buffer was written by the HFI, release dirty.</summary>
    public void Release()
    {
        mapping?.Unmap();
        mapping = null;
        Hfi1ReleaseUserPages(mm, pages.AsSpan(0, pinned), dirty: true);
        tidNPinned -= pinned;
        pinned = 0;
        pages = [];
    }

    /// <summary><c>hfi1_can_pin_pages()</c>: the absolute RLIMIT_MEMLOCK check against everything pinned.</summary>
    private static bool Hfi1CanPinPages(AddressSpace mm, long nlocked, long npages)
    {
        var ulimit = mm.RlimitMemlock == ulong.MaxValue ? long.MaxValue : (long)(mm.RlimitMemlock / PageMath.PageSize);
        var pinnedVm = mm.PinnedVm;
        return ulimit == long.MaxValue || (pinnedVm + npages < ulimit && nlocked + npages <= ulimit);
    }

    private static int Hfi1AcquireUserPages(AddressSpace mm, ulong vaddr, int npages, bool writable, Span<Page> pages)
    {
        // v5.5: FOLL_LONGTERM | (writable ? FOLL_WRITE : 0) (FOLL_LONGTERM restored; seed-era machine, PIN0201).
        var gupFlags = GupFlags.Longterm | (writable ? GupFlags.Write : GupFlags.None);
        var ret = Gup.GetUserPagesFast(mm, vaddr, npages, gupFlags, pages);
        if (ret < 0)
        {
            return ret;
        }

        // atomic64_add(ret, &mm->pinned_vm): hfi1_can_pin_pages() already checked the limit.
        _ = mm.AccountPinnedVm(ret, increment: true);
        return ret;
    }

    private static void Hfi1ReleaseUserPages(AddressSpace? mm, ReadOnlySpan<Page> p, bool dirty)
    {
        Gup.PutUserPagesDirtyLock(p, dirty);

        // "during close after signal, mm can be NULL"
        mm?.AccountPinnedVm(p.Length, increment: false);
    }
}
