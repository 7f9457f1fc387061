namespace PinApi.Tool;

/// <summary><c>pinapi demo</c>: the library's life cycle of a DMA buffer, printed step by step with the counters.</summary>
internal static class DemoCommand
{
    public static int Run()
    {
        using var memory = new PhysicalMemory(normalPages: 4096, movablePages: 1024);
        memory.PinTracker.Enabled = true;
        using var mm = new AddressSpace(memory);
        var buffer = mm.Mmap(8 * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        mm.Fill(buffer, 8 * PhysicalMemory.PageSize, (byte)'.');
        mm.TryGetMappedPage(buffer, out var before);
        Console.WriteLine($"buffer at 0x{buffer:x}, first page {before}");

        var pages = new PinnedPage[8];
        var n = Gup.PinUserPagesFast(mm, buffer, 8, GupFlags.Write | GupFlags.Longterm, pages);
        if (n < 0)
        {
            Console.Error.WriteLine($"pin failed: {(Errno)(-n)}");
            return 1;
        }

        Console.WriteLine($"pinned {n} pages long-term: first is now {pages[0].Page} (migrated out of ZONE_MOVABLE)");
        Console.WriteLine($"nr_foll_pin_acquired {memory.VmStat.NrFollPinAcquired}, pgmigrate_success {memory.VmStat[VmStatItem.PgMigrateSuccess]}");
        Console.WriteLine($"outstanding (PinTracker): {memory.PinTracker.Outstanding.Count}, first taken at {memory.PinTracker.Outstanding[0].CallSite}");

        using (var dma = new DmaDevice(memory, "demo-nic").MapPages(pages.AsSpan(0, n)))
        {
            dma.DeviceWrite(0, "written by the device"u8);
        }

        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, n), makeDirty: true);
        var seen = new byte[21];
        mm.Read(buffer, seen);
        Console.WriteLine($"after unpin: the process reads \"{System.Text.Encoding.ASCII.GetString(seen)}\", page dirty: {pages[0].Page.IsDirty}");
        Console.WriteLine($"nr_foll_pin_released {memory.VmStat.NrFollPinReleased}, outstanding {memory.PinTracker.Outstanding.Count}");
        return memory.VmStat.OutstandingPins == 0 ? 0 : 1;
    }
}
