namespace PinApi.Samples.Legacy;

/// <summary>
/// drivers/media/v4l2-core/videobuf-dma-sg.c, <c>videobuf_dma_init_user_locked()</c> / <c>videobuf_dma_map()</c> /
/// <c>videobuf_dma_free()</c> as of v5.5, before seed #17 ("set pages dirty upon releasing DMA buffers"):
/// <c>get_user_pages(…, flags | FOLL_LONGTERM, …)</c> and a bare <c>put_page()</c> loop, so pages the device wrote
/// (DMA_FROM_DEVICE) are never marked dirty: the bug #17 fixed (Cc: stable). The port passes FOLL_LONGTERM as v5.5 did and runs on a seed-era machine (<see cref="Semantics"/>); under
/// mainline rules (is_valid_gup_args step 5) that call is -EINVAL, which PIN0201 reports (samples/Legacy/README.md).
/// </summary>
public sealed class VideobufDmaSg : IUserBufferDriver
{
    private readonly VideobufDmabuf dma = new();

    public string Name => "videobuf_dma_sg";

    public string KernelSite => "drivers/media/v4l2-core/videobuf-dma-sg.c: videobuf_dma_init_user_locked, videobuf_dma_free";

    /// <summary>v5.5 code, run with the seed era's GUP rules: the GET family still accepts FOLL_LONGTERM (KERNEL.md §4).</summary>
    public GupSemantics Semantics => GupSemantics.SeedEra;

    public bool DeviceWritesMemory => true;

    public int Register(AddressSpace mm, DmaDevice dma, Iommu iommu, ulong address, ulong length)
    {
        var err = VideobufDmaInitUser(mm, this.dma, DmaDirection.FromDevice, address, length);
        if (err != 0)
        {
            // __videobuf_iolock() fails; the buffer's release path frees what was pinned.
            VideobufDmaFree(this.dma);
            return err;
        }

        return VideobufDmaMap(dma, this.dma);
    }

    public int DeviceWrite(long offset, ReadOnlySpan<byte> bytes)
    {
        dma.Sglist!.DeviceWrite(offset + dma.Offset, bytes);
        return 0;
    }

    public int DeviceRead(long offset, Span<byte> destination)
    {
        dma.Sglist!.DeviceRead(offset + dma.Offset, destination);
        return 0;
    }

    public void Release()
    {
        VideobufDmaUnmap(dma);
        VideobufDmaFree(dma);
    }

    private static int VideobufDmaInitUser(AddressSpace mm, VideobufDmabuf dma, DmaDirection direction, ulong data, ulong size)
    {
        using (mm.MmapReadLock())
        {
            return VideobufDmaInitUserLocked(mm, dma, direction, data, size);
        }
    }

    private static int VideobufDmaInitUserLocked(AddressSpace mm, VideobufDmabuf dma, DmaDirection direction, ulong data, ulong size)
    {
        var flags = GupFlags.Force;
        dma.Direction = direction;

        // rw = READ for DMA_FROM_DEVICE: the user reads what the device wrote into the pages.
        var rwRead = direction == DmaDirection.FromDevice;
        var first = (data & PageMath.PageMask) >> PageMath.PageShift;
        var last = ((data + size - 1) & PageMath.PageMask) >> PageMath.PageShift;
        dma.Offset = (long)(data & ~PageMath.PageMask);
        dma.Size = size;
        dma.NrPages = (long)(last - first + 1);
        dma.Pages = new Page[dma.NrPages];
        if (rwRead)
        {
            flags |= GupFlags.Write;
        }

        // v5.5: flags | FOLL_LONGTERM (restored; seed-era machine, PIN0201).
        var err = Gup.GetUserPages(mm, data & PageMath.PageMask, dma.NrPages, flags | GupFlags.Longterm, dma.Pages);
        if (err != dma.NrPages)
        {
            dma.NrPages = err >= 0 ? err : 0;
            return err < 0 ? (int)err : -(int)Errno.EINVAL;
        }

        return 0;
    }

    private static int VideobufDmaMap(DmaDevice dev, VideobufDmabuf dma)
    {
        // videobuf_pages_to_sg() + dma_map_sg()
        dma.Sglist = dev.MapPages(dma.Pages.AsSpan(0, (int)dma.NrPages));
        dma.Sglen = (int)dma.NrPages;
        return 0;
    }

    private static void VideobufDmaUnmap(VideobufDmabuf dma)
    {
        dma.Sglist?.Unmap();
        dma.Sglist = null;
        dma.Sglen = 0;
    }

    private static void VideobufDmaFree(VideobufDmabuf dma)
    {
        if (dma.Sglen != 0)
        {
            throw new InvalidOperationException("BUG_ON(dma->sglen): freeing a buffer that is still DMA-mapped.");
        }

        if (dma.Pages.Length != 0)
        {
            for (var i = 0; i < dma.NrPages; i++)
            {
                Gup.PutPage(dma.Pages[i]);
            }

            dma.Pages = [];
        }

        dma.Direction = DmaDirection.None;
    }
}
