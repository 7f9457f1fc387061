namespace PinApi.Samples.Legacy;

/// <summary>
/// fs/io_uring.c, <c>io_sqe_buffer_register()</c> / <c>io_sqe_buffer_unregister()</c> as of v5.5, before the series:
/// <c>get_user_pages(ubuf, nr_pages, FOLL_WRITE | FOLL_LONGTERM, pages, vmas)</c>, released with the placeholder
/// <c>put_user_page()</c> / <c>put_user_pages()</c>. File-backed memory other than hugetlbfs is refused. The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class IoUring : IUserBufferDriver
{
    private readonly List<MappedUbuf> userBufs = [];
    private AddressSpace? mm;
    private readonly bool accountMem;

    /// <param name="accountMem"><c>ctx-&gt;account_mem</c>: the task lacks CAP_IPC_LOCK, so buffers count against RLIMIT_MEMLOCK.</param>
    public IoUring(bool accountMem = true) => this.accountMem = accountMem;

    public string Name => "io_uring";

    public string KernelSite => "fs/io_uring.c: io_sqe_buffer_register, io_sqe_buffer_unregister";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        this.mm = mm;
        return IoSqeBufferRegister(mm, dma, [(address, length)]);
    }

    /// <summary>IORING_OP_READ_FIXED: the block device DMAs into the registered buffer's bvecs.</summary>
    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        userBufs[0].Bvec.DeviceWrite(offset + userBufs[0].Offset, bytes);
        return 0;
    }

    /// <summary>IORING_OP_WRITE_FIXED: the device reads the registered buffer.</summary>
    public int DeviceRead(long offset, Span<byte> destination)
    {
        userBufs[0].Bvec.DeviceRead(offset + userBufs[0].Offset, destination);
        return 0;
    }

    public void Release() => IoSqeBufferUnregister();

    private int IoSqeBufferRegister(AddressSpace mm, DmaDevice dma, (ulong Base, ulong Len)[] iovecs)
    {
        var ret = 0;
        foreach (var iov in iovecs)
        {
            // "arbitrary limit, but we need something": SZ_1G.
            if (iov.Len == 0 || iov.Len > 1UL << 30)
            {
                ret = -(int)Errno.EFAULT;
                goto err;
            }

            var ubuf = iov.Base;
            var end = (ubuf + iov.Len + PageMath.PageSize - 1) >> PageMath.PageShift;
            var start = ubuf >> PageMath.PageShift;
            var nrPages = (long)(end - start);
            if (accountMem)
            {
                ret = mm.AccountLockedVm(nrPages, increment: true);
                if (ret != 0)
                {
                    goto err;
                }
            }

            // The kernel reuses one pages[] array and copies each entry into imu->bvec[]; here the array becomes the bvec.
            var pages = new Page[nrPages];

            long pret;
            using (mm.MmapReadLock())
            {
                // v5.5: FOLL_WRITE | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
                pret = Gup.GetUserPages(mm, ubuf & PageMath.PageMask, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
                if (pret == nrPages)
                {
                    // "don't support file backed memory"
                    for (long j = 0; j < nrPages; j++)
                    {
                        var vma = mm.FindVma((ubuf & PageMath.PageMask) + ((ulong)j * PageMath.PageSize));
                        if (vma is not { Kind: VmaKind.AnonymousPrivate or VmaKind.Hugetlb })
                        {
                            ret = -(int)Errno.EOPNOTSUPP;
                            break;
                        }
                    }
                }
                else
                {
                    ret = pret < 0 ? (int)pret : -(int)Errno.EFAULT;
                }
            }

            if (ret != 0)
            {
                // "if we did partial map, or found file backed vmas, release any pages we did get"
                if (pret > 0)
                {
                    Gup.PutUserPages(pages.AsSpan(0, (int)pret));
                }

                if (accountMem)
                {
                    mm.AccountLockedVm(nrPages, increment: false);
                }

                goto err;
            }

            userBufs.Add(new MappedUbuf(pages, dma.MapPages(pages), (long)(ubuf & ~PageMath.PageMask)));
        }

        return 0;

    err:
        IoSqeBufferUnregister();
        return ret;
    }

    /// <summary><c>io_sqe_buffer_unregister()</c>: <c>put_user_page()</c> per bvec, no dirtying.</summary>
    private void IoSqeBufferUnregister()
    {
        foreach (var imu in userBufs)
        {
            imu.Bvec.Unmap();
            for (var j = 0; j < imu.Pages.Length; j++)
            {
                Gup.PutUserPage(imu.Pages[j]);
            }

            if (accountMem)
            {
                mm!.AccountLockedVm(imu.Pages.Length, increment: false);
            }
        }

        userBufs.Clear();
    }

    /// <summary><c>struct io_mapped_ubuf</c>.</summary>
    private sealed record MappedUbuf(Page[] Pages, DmaMapping Bvec, long Offset);
}
