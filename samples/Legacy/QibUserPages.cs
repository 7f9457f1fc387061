namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/infiniband/hw/qib/qib_user_pages.c, <c>qib_get_user_pages()</c> / <c>qib_release_user_pages()</c> as of v5.5,
/// before the series: <c>get_user_pages(…, FOLL_LONGTERM | FOLL_WRITE | FOLL_FORCE, …)</c> and the placeholder
/// <c>put_user_pages_dirty_lock()</c>. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md). With the expected-TID setup of
/// qib_file_ops.c mapping each page <c>PCI_DMA_FROMDEVICE</c> (<c>qib_map_page()</c>).
/// </summary>
public sealed class QibUserPages : IUserBufferDriver
{
    private AddressSpace? mm;
    private Page[] pagep = [];
    private DmaMapping? mapping;

    public string Name => "qib_user_pages";

    public string KernelSite => "drivers/infiniband/hw/qib/qib_user_pages.c: qib_get_user_pages, qib_release_user_pages";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        this.mm = mm;
        var cnt = PageMath.NumPages(address, length);
        var p = new Page[cnt];
        var ret = QibGetUserPages(mm, address & PageMath.PageMask, cnt, p);
        if (ret != 0)
        {
            return ret;
        }

        pagep = p;

        // qib_map_page(): pci_map_page(hwdev, page, 0, PAGE_SIZE, PCI_DMA_FROMDEVICE) for every TID entry.
        mapping = dma.MapPages(pagep);
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

    /// <summary><c>qib_tid_free()</c>: pci_unmap_page, then <c>qib_release_user_pages()</c>.</summary>
    public void Release()
    {
        mapping?.Unmap();
        mapping = null;
        QibReleaseUserPages(mm, pagep);
        pagep = [];
    }

    private static void QibReleaseUserPagesInternal(ReadOnlySpan<Page> p, bool dirty) => Gup.PutUserPagesDirtyLock(p, dirty);

    private static int QibGetUserPages(AddressSpace mm, ulong startPage, long numPages, Span<Page> p)
    {
        // locked = atomic64_add_return(num_pages, &current->mm->pinned_vm); over the limit → -ENOMEM. The helper
        // refuses without charging, so the refusal returns at once instead of going through "bail".
        var ret = mm.AccountPinnedVm(numPages, increment: true);
        if (ret != 0)
        {
            return ret;
        }

        long got;
        long pinned = 0;
        using (mm.MmapReadLock())
        {
            for (got = 0; got < numPages; got += pinned)
            {
                // v5.5: FOLL_LONGTERM | FOLL_WRITE | FOLL_FORCE (FOLL_LONGTERM restored; seed-era machine, PIN0201).
                pinned = Gup.GetUserPages(mm, startPage + ((ulong)got * PageMath.PageSize), numPages - got, GupFlags.Longterm | GupFlags.Write | GupFlags.Force, p[(int)got..]);
                if (pinned < 0)
                {
                    goto bail_release;
                }
            }
        }

        return 0;

    bail_release:
        QibReleaseUserPagesInternal(p[..(int)got], dirty: false);
        mm.AccountPinnedVm(numPages, increment: false);
        return (int)pinned;
    }

    private static void QibReleaseUserPages(AddressSpace? mm, ReadOnlySpan<Page> p)
    {
        QibReleaseUserPagesInternal(p, dirty: true);

        // "during close after signal, mm can be NULL"
        mm?.AccountPinnedVm(p.Length, increment: false);
    }
}
