namespace PinApi.Samples.Drivers;

/// <summary>
/// net/xdp/xdp_umem.c, <c>xdp_umem_reg()</c> / <c>xdp_umem_pin_pages()</c> / <c>xdp_umem_unpin_pages()</c> /
/// <c>xdp_umem_account_pages()</c> as of v5.6 (seed #16: <c>pin_user_pages(…, gup_flags | FOLL_LONGTERM, …)</c>; the
/// release was already <c>put_user_pages_dirty_lock(umem-&gt;pgs, umem-&gt;npgs, true)</c>). The NIC receives into the umem.
/// </summary>
public sealed class XdpUmem : IUserBufferDriver
{
    private readonly Umem umem = new();
    private DmaMapping? rx;

    public string Name => "xdp_umem";

    public string KernelSite => "net/xdp/xdp_umem.c: xdp_umem_pin_pages, xdp_umem_unpin_pages";

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
        Gup.UnpinUserPagesDirtyLock(umem.Pgs.AsSpan(0, (int)umem.Npgs), makeDirty: true);
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
            // v5.6 subtracts umem->npgs, which xdp_umem_pin_pages() shrank on a partial pin: the port keeps it.
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
            npgs = Gup.PinUserPages(mm, umem.Address, umem.Npgs, gupFlags | GupFlags.Longterm, umem.Pgs);
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
