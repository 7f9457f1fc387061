using System.Text;

// The GET half of this scenario is the bug being demonstrated: FOLL_GET references handed to a device.
#pragma warning disable PIN0205

namespace PinApi.Samples.WritebackRace;

/// <summary>
/// The data-loss race that motivated FOLL_PIN (KERNEL.md §1), on a real file: a driver takes references on a
/// shared file mapping for a device to write into; writeback runs while the DMA is in flight; the device writes;
/// the driver dirties and releases. Under the pre-FOLL_PIN (Legacy) writeback the page was cleaned and its
/// filesystem blocks released while the device still wrote, so the late dirtying is "behind the filesystem's
/// back" and the device's data never reaches the disk (ext4: <c>BUG_ON(!PagePrivate(page))</c>). With pins and
/// pin-aware writeback the page is recognised as maybe-DMA-pinned, left dirty, and written after the release.
/// </summary>
public static class WritebackRaceScenario
{
    public const int Pages = 4;

    public static readonly byte[] DeviceData = Encoding.ASCII.GetBytes("DEVICE DATA: written by DMA while writeback ran");

    public static RaceOutcome Run(ReferenceKind kind, WritebackPolicy policy, string directory)
    {
        using var memory = new PhysicalMemory(normalPages: 1024);
        var path = Path.Combine(directory, $"race-{kind}-{policy}-{Guid.NewGuid():N}.dat");
        try
        {
            using var file = BackingFile.Create(memory, path, Pages * PhysicalMemory.PageSize);
            using var mm = new AddressSpace(memory);
            var buffer = mm.Mmap(Pages * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.FileShared, file);

            // The application fills its buffer; the stores fault and the filesystem reserves blocks for them.
            mm.Fill(buffer, Pages * PhysicalMemory.PageSize, (byte)'.');

            var device = new DmaDevice(memory, "race-dma");
            var pages = new Page[Pages];
            var taken = kind == ReferenceKind.Pin
                ? Gup.PinUserPagesFast(mm, buffer, Pages, GupFlags.Write, pages)
                : Gup.GetUserPagesFast(mm, buffer, Pages, GupFlags.Write, pages);
            if (taken != Pages)
            {
                throw new InvalidOperationException($"GUP took {taken} of {Pages} pages.");
            }

            using var mapping = device.MapPages(pages);

            // The flusher runs while the device owns the buffer.
            var duringDma = file.Writeback(policy);

            for (var i = 0; i < Pages; i++)
            {
                mapping.DeviceWrite((long)i * PhysicalMemory.PageSize, DeviceData);
            }

            mapping.Unmap();
            if (kind == ReferenceKind.Pin)
            {
                Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
            }
            else
            {
                foreach (var page in pages)
                {
                    Gup.SetPageDirtyLock(page);
                    Gup.PutPage(page);
                }
            }

            // fsync, then forget the cache so that what we read is the disk.
            var afterRelease = file.Writeback(policy);
            file.DropCaches();
            var kept = 0;
            for (var i = 0; i < Pages; i++)
            {
                var onDisk = file.ReadFromDisk((long)i * PhysicalMemory.PageSize, DeviceData.Length);
                kept += onDisk.AsSpan().SequenceEqual(DeviceData) ? 1 : 0;
            }

            return new RaceOutcome(kind, policy, duringDma, afterRelease, kept, Pages, file.ReadFromDisk(0, 16), memory.VmStat.OutstandingPins);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>All four combinations, in the order the table prints them.</summary>
    public static IReadOnlyList<RaceOutcome> RunAll(string directory) =>
    [
        Run(ReferenceKind.Get, WritebackPolicy.Legacy, directory),
        Run(ReferenceKind.Get, WritebackPolicy.PinAware, directory),
        Run(ReferenceKind.Pin, WritebackPolicy.Legacy, directory),
        Run(ReferenceKind.Pin, WritebackPolicy.PinAware, directory),
    ];
}
