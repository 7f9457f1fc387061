namespace PinApi.Samples.Legacy;

/// <summary>
/// net/xdp/xdp_umem.c, <c>xdp_umem_reg()</c> / <c>xdp_umem_pin_pages()</c> / <c>xdp_umem_unpin_pages()</c> /
/// <c>xdp_umem_account_pages()</c> as of v5.5, before the series: <c>get_user_pages(…, gup_flags | FOLL_LONGTERM, …)</c>
/// and the placeholder <c>put_user_pages_dirty_lock(umem-&gt;pgs, umem-&gt;npgs, true)</c>. The NIC receives into the
/// umem. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class XdpUmem : IUserBufferDriver
{
    private readonly Umem umem = new();
    private DmaMapping? rx;

    public string Name => "xdp_umem";

    public string KernelSite => "net/xdp/xdp_umem.c: xdp_umem_pin_pages, xdp_umem_unpin_pages";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        var err = XdpUmemReg(mm, umem, address, length);
        if (err != 0)
        {
            return err;
        }

        // xsk_buff / zero-copy driver DMA mapping of the umem frames.
        rx = dma.MapPages(umem.Pgs);
        return 0;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        rx!.DeviceWrite(offset, bytes);
        return 0;
    }

    public int DeviceRead(long offset, Span<byte> destination)
    {
        rx!.DeviceRead(offset, destination);
        return 0;
    }

    /// <summary><c>xdp_umem_release()</c>.</summary>
    public void Release()
    {
        rx?.Unmap();
        rx = null;
        XdpUmemUnpinPages(umem);
        XdpUmemUnaccountPages(umem);
    }

    private static int XdpUmemReg(AddressSpace mm, Umem umem, ulong addr, ulong size)
    {
        if ((addr & ~PageMath.PageMask) != 0 || size == 0)
        {
            return -(int)Errno.EINVAL;
        }

        umem.Address = addr;
        umem.Npgs = (long)(size / PageMath.PageSize);
        var err = XdpUmemAccountPages(mm, umem);
        if (err != 0)
        {
            return err;
        }

        err = XdpUmemPinPages(mm, umem);
        if (err != 0)
        {
            goto out_account;
        }

        return 0;

    out_account:
        XdpUmemUnaccountPages(umem);
        return err;
    }

    private static void XdpUmemUnpinPages(Umem umem)
    {
        Gup.PutUserPagesDirtyLock(umem.Pgs.AsSpan(0, (int)umem.Npgs), makeDirty: true);
        umem.Pgs = [];
    }

    /// <summary>
    /// <c>xdp_umem_account_pages()</c>: <c>user-&gt;locked_vm</c> against RLIMIT_MEMLOCK, -ENOBUFS past it. The user's
    /// counter is modelled by the process's <c>locked_vm</c>.
    /// </summary>
    private static int XdpUmemAccountPages(AddressSpace mm, Umem umem)
    {
        if (mm.AccountLockedVm(umem.Npgs, increment: true) != 0)
        {
            return -(int)Errno.ENOBUFS;
        }

        umem.User = mm;
        return 0;
    }

    private static void XdpUmemUnaccountPages(Umem umem)
    {
        if (umem.User is not null)
        {
            // v5.5 subtracts umem->npgs, which xdp_umem_pin_pages() shrank on a partial pin: the port keeps it.
            umem.User.AccountLockedVm(umem.Npgs, increment: false);
            umem.User = null;
        }
    }

    private static int XdpUmemPinPages(AddressSpace mm, Umem umem)
    {
        var gupFlags = GupFlags.Write;
        long npgs;
        int err;
        umem.Pgs = new Page[umem.Npgs];
        using (mm.MmapReadLock())
        {
            // v5.5: gup_flags | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
            npgs = Gup.GetUserPages(mm, umem.Address, umem.Npgs, gupFlags | GupFlags.Longterm, umem.Pgs);
        }

        if (npgs != umem.Npgs)
        {
            if (npgs >= 0)
            {
                umem.Npgs = npgs;
                err = -(int)Errno.ENOMEM;
                goto out_pin;
            }

            err = (int)npgs;
            goto out_pgs;
        }

        return 0;

    out_pin:
        XdpUmemUnpinPages(umem);
    out_pgs:
        umem.Pgs = [];
        return err;
    }

    /// <summary><c>struct xdp_umem</c> (the page part).</summary>
    private sealed class Umem
    {
        public ulong Address { get; set; }

        public long Npgs { get; set; }

        public Page[] Pgs { get; set; } = [];

        public AddressSpace? User { get; set; }
    }
}
