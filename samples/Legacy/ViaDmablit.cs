namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/gpu/drm/via/via_dmablit.c, <c>via_lock_all_dma_pages()</c> / <c>via_free_sg_info()</c> as of v5.5, before the
/// series: <c>get_user_pages_fast(…, vsg-&gt;direction == DMA_FROM_DEVICE ? FOLL_WRITE : 0, …)</c> and the placeholder
/// <c>put_user_pages_dirty_lock(vsg-&gt;pages, vsg-&gt;num_pages, direction == DMA_FROM_DEVICE)</c>. A blit from the
/// frame buffer into system memory (DMA_FROM_DEVICE). Keeps the era's partial-pin bug: after a short
/// get_user_pages_fast() the state is "pages locked" and the release puts all <c>num_pages</c> entries.
/// </summary>
public sealed class ViaDmablit : IUserBufferDriver
{
    private readonly SgInfo vsg = new();

    public string Name => "via_dmablit";

    public string KernelSite => "drivers/gpu/drm/via/via_dmablit.c: via_lock_all_dma_pages, via_free_sg_info";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    /// <summary><c>via_build_sg_info()</c> for a blit of whole-page lines.</summary>
    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        var xfer = new DmablitXfer(address, NumLines: (int)(length / PageMath.PageSize), MemStride: PageMath.PageSize, ToFb: false);
        vsg.Direction = xfer.ToFb ? DmaDirection.ToDevice : DmaDirection.FromDevice;
        vsg.State = SgState.Init;
        var ret = ViaLockAllDmaPages(mm, vsg, xfer);
        if (ret != 0)
        {
            ViaFreeSgInfo(vsg);
            return ret;
        }

        // via_map_blit_for_device()
        vsg.Mapping = dma.MapPages(vsg.Pages);
        vsg.State = SgState.DeviceMapped;
        return 0;
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        vsg.Mapping!.DeviceWrite(offset, bytes);
        return 0;
    }

    public int DeviceRead(long offset, Span<byte> destination)
    {
        vsg.Mapping!.DeviceRead(offset, destination);
        return 0;
    }

    /// <summary>The blit completed: <c>via_dmablit_workqueue()</c> frees the sg info.</summary>
    public void Release() => ViaFreeSgInfo(vsg);

    private static int ViaLockAllDmaPages(AddressSpace mm, SgInfo vsg, DmablitXfer xfer)
    {
        var firstPfn = (long)(xfer.MemAddr >> PageMath.PageShift);
        vsg.NumPages = (int)(((long)(xfer.MemAddr + (ulong)((xfer.NumLines * xfer.MemStride) - 1)) >> PageMath.PageShift) - firstPfn + 1);
        vsg.Pages = new Page[vsg.NumPages];
        vsg.State = SgState.PagesAlloc;
        var ret = Gup.GetUserPagesFast(mm, xfer.MemAddr, vsg.NumPages, vsg.Direction == DmaDirection.FromDevice ? GupFlags.Write : GupFlags.None, vsg.Pages);
        if (ret != vsg.NumPages)
        {
            if (ret < 0)
            {
                return ret;
            }

            vsg.State = SgState.PagesLocked;
            return -(int)Errno.EINVAL;
        }

        vsg.State = SgState.PagesLocked;
        return 0;
    }

    /// <summary><c>via_free_sg_info()</c>: undo each state, falling through to the earlier ones.</summary>
    private static void ViaFreeSgInfo(SgInfo vsg)
    {
        switch (vsg.State)
        {
            case SgState.DeviceMapped:
                vsg.Mapping?.Unmap();
                vsg.Mapping = null;
                goto case SgState.PagesLocked;
            case SgState.PagesLocked:
                Gup.PutUserPagesDirtyLock(vsg.Pages.AsSpan(0, vsg.NumPages), vsg.Direction == DmaDirection.FromDevice);
                goto case SgState.PagesAlloc;
            case SgState.PagesAlloc:
                vsg.Pages = [];
                goto default;
            default:
                vsg.State = SgState.Init;
                break;
        }
    }

    /// <summary><c>drm_via_dmablit_t</c>.</summary>
    private sealed record DmablitXfer(ulong MemAddr, int NumLines, int MemStride, bool ToFb);

    /// <summary><c>enum drm_via_sg_state</c> (dr_via_*).</summary>
    private enum SgState
    {
        Init,
        PagesAlloc,
        PagesLocked,
        DeviceMapped,
    }

    /// <summary><c>drm_via_sg_info_t</c>.</summary>
    private sealed class SgInfo
    {
        public Page[] Pages { get; set; } = [];

        public int NumPages { get; set; }

        public DmaDirection Direction { get; set; }

        public SgState State { get; set; }

        public DmaMapping? Mapping { get; set; }
    }
}
