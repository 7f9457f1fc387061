namespace PinApi.Samples.Workload;

/// <summary>
/// Drives one <see cref="IUserBufferDriver"/> through a register / DMA / release cycle on a fresh simulated machine
/// and reports what is observable afterwards. The same workload runs a Legacy driver and its Drivers twin, so their
/// behaviour can be compared (and, later, a migrated Legacy driver against both). The machine follows the GUP rules
/// the driver asks for (<see cref="IUserBufferDriver.Semantics"/>: seed era for Legacy, mainline for Drivers) unless
/// <see cref="WorkloadOptions.Semantics"/> says otherwise.
/// </summary>
public static class WorkloadRunner
{
    private const byte ProcessByte = 0x11;

    public static WorkloadResult Run(IUserBufferDriver driver, WorkloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(driver);
        options ??= new WorkloadOptions();
        var length = (ulong)options.Pages * PhysicalMemory.PageSize;
        var memory = new PhysicalMemory(normalPages: 4096) { Semantics = options.Semantics ?? driver.Semantics };
        var dma = new DmaDevice(memory, driver.Name);
        var iommu = new Iommu(memory);
        var path = options.FileBacked ? Path.Combine(Path.GetTempPath(), $"pinapi-workload-{Guid.NewGuid():N}.bin") : null;
        var file = path is null ? null : BackingFile.Create(memory, path, (long)length);
        var mm = new AddressSpace(memory) { RlimitMemlock = options.RlimitMemlock };
        try
        {
            var address = file is null
                ? mm.Mmap(length, Protection.ReadWrite, VmaKind.AnonymousPrivate)
                : mm.Mmap(length, Protection.ReadWrite, VmaKind.FileShared, file);

            // The process owns the buffer first: its data is on disk and its pages are clean before the driver comes.
            Check(mm.Fill(address, (int)length, ProcessByte), "fill");
            if (file is not null)
            {
                file.Writeback(WritebackPolicy.Legacy);
            }

            var registered = driver.Register(mm, dma, iommu, address, length);
            if (registered != 0)
            {
                return Finish(driver, memory, mm, file, dma, iommu, new WorkloadResult { Driver = driver.Name, RegisterResult = registered });
            }

            var during = options.WritebackWhileRegistered is { } racePolicy && file is not null ? file.Writeback(racePolicy) : default;
            var pattern = Pattern((int)length, driver.Name);
            int deviceResult;
            bool seen;
            if (driver.DeviceWritesMemory)
            {
                deviceResult = driver.DeviceWrite(0, pattern);
                driver.Release();
                var back = new byte[length];
                Check(mm.Read(address, back), "read back");
                seen = deviceResult == 0 && back.AsSpan().SequenceEqual(pattern);
            }
            else
            {
                Check(mm.Write(address, pattern), "write");
                var read = new byte[length];
                deviceResult = driver.DeviceRead(0, read);
                driver.Release();
                seen = deviceResult == 0 && read.AsSpan().SequenceEqual(pattern);
            }

            var dirty = AllDirty(mm, address, options.Pages);
            var final = file?.Writeback(options.FinalWriteback) ?? default;
            var onDisk = file is not null && driver.DeviceWritesMemory && file.ReadFromDisk(0, (int)length).AsSpan().SequenceEqual(pattern);
            return Finish(driver, memory, mm, file, dma, iommu, new WorkloadResult
            {
                Driver = driver.Name,
                RegisterResult = 0,
                DeviceResult = deviceResult,
                DataSeenByProcess = seen,
                DataOnDisk = onDisk,
                WritebackWhileRegistered = during,
                FinalWriteback = final,
                PagesDirtyAfterRelease = dirty,
            });
        }
        finally
        {
            mm.Dispose();
            file?.Dispose();
            if (path is not null)
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>A deterministic pattern, different per driver, never equal to what the process wrote.</summary>
    public static byte[] Pattern(int length, string seed)
    {
        var bytes = new byte[length];
        var s = (uint)seed.Length * 2654435761u;
        for (var i = 0; i < length; i++)
        {
            s = (s * 1103515245u) + 12345u;
            var b = (byte)(s >> 16);
            bytes[i] = b == ProcessByte ? (byte)(b + 1) : b;
        }

        return bytes;
    }

    private static bool AllDirty(AddressSpace mm, ulong address, int pages)
    {
        for (var i = 0; i < pages; i++)
        {
            if (!mm.TryGetMappedPage(address + ((ulong)i * PhysicalMemory.PageSize), out var page) || !page.IsDirty)
            {
                return false;
            }
        }

        return true;
    }

    private static WorkloadResult Finish(IUserBufferDriver driver, PhysicalMemory memory, AddressSpace mm, BackingFile? file, DmaDevice dma, Iommu iommu, WorkloadResult partial)
    {
        var lockedVm = mm.LockedVm;
        var pinnedVm = mm.PinnedVm;
        mm.Dispose();
        file?.Dispose();
        return partial with
        {
            Driver = driver.Name,
            Semantics = memory.Semantics,
            PinsAcquired = memory.VmStat.NrFollPinAcquired,
            PinsReleased = memory.VmStat.NrFollPinReleased,
            UnpinnedDeviceWrites = dma.UnpinnedWrites + iommu.UnpinnedWrites,
            LockedVmAfterRelease = lockedVm,
            PinnedVmAfterRelease = pinnedVm,
            FramesLeaked = memory.ZonePages(Zone.Normal) - memory.FreePages(Zone.Normal),
        };
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"Workload setup failed: {what} returned {rc}.");
        }
    }
}
