namespace PinApi.Samples.Tests;

/// <summary>
/// Every pre-series driver through the shared workload. They ask for the seed era's GUP rules, under which the GET
/// family still accepts FOLL_LONGTERM (KERNEL.md §4), so they run as v5.5 ran them: FOLL_GET references, balanced,
/// but the device writes into pages that no pin announces. Under mainline rules the same drivers are refused.
/// </summary>
public sealed class LegacyWorkloadTests
{
    [Theory]
    [MemberData(nameof(Catalogs.LegacyNames), MemberType = typeof(Catalogs))]
    public void Pre_series_drivers_move_the_data_with_FOLL_GET_and_leak_nothing(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8));

        // vfio_type1 included: vaddr_get_pfn()'s local get_user_pages(…, FOLL_LONGTERM) is valid in the seed era.
        // (While Legacy ran under mainline rules it was the one driver refused, with -EINVAL.)
        Assert.Equal(GupSemantics.SeedEra, result.Semantics);
        Assert.Equal(0, result.RegisterResult);
        Assert.Equal(0, result.DeviceResult);
        Assert.True(result.DataSeenByProcess);
        Assert.Equal(0, result.PinsAcquired);
        Assert.Equal(0, result.FramesLeaked);
        Assert.Equal(0, result.LockedVmAfterRelease);
        Assert.Equal(0, result.PinnedVmAfterRelease);
    }

    [Theory]
    [MemberData(nameof(Catalogs.LegacyNames), MemberType = typeof(Catalogs))]
    public void Device_DMA_into_FOLL_GET_pages_is_invisible_to_mm(string name)
    {
        var result = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8));

        // page_maybe_dma_pinned() is false for every page a GET driver hands its device, long-term or not.
        Assert.Equal(0, result.RegisterResult);
        Assert.Equal(Catalogs.DeviceDma.Contains(name), result.UnpinnedDeviceWrites > 0);
    }

    [Theory]
    [MemberData(nameof(Catalogs.LegacyNames), MemberType = typeof(Catalogs))]
    public void The_same_pre_series_driver_on_a_mainline_machine_is_refused_where_it_passes_FOLL_LONGTERM(string name)
    {
        var seedEra = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8));
        var mainline = WorkloadRunner.Run(Catalogs.Legacy(name), new WorkloadOptions(Pages: 8, Semantics: GupSemantics.Mainline));

        Assert.Equal(GupSemantics.Mainline, mainline.Semantics);
        Assert.Equal(0, seedEra.RegisterResult);
        if (Catalogs.LegacyLongtermGets.Contains(name))
        {
            // Mainline's is_valid_gup_args() step 5: FOLL_LONGTERM without FOLL_PIN is -EINVAL, the runtime face of
            // PIN0201. qib_user_sdma_pin_pages() (v5.5) turns any short get_user_pages_fast() result into -ENOMEM,
            // so that driver reports the refusal as -ENOMEM.
            var expected = name == "qib_user_sdma" ? -(int)Errno.ENOMEM : -(int)Errno.EINVAL;
            Assert.Equal(expected, mainline.RegisterResult);
            Assert.Null(mainline.DeviceResult);
            Assert.False(mainline.DataSeenByProcess);
            Assert.Equal(0, mainline.PinsAcquired);
            Assert.Equal(0, mainline.UnpinnedDeviceWrites);
            Assert.Equal(0, mainline.FramesLeaked);
            Assert.Equal(0, mainline.LockedVmAfterRelease);
            Assert.Equal(0, mainline.PinnedVmAfterRelease);
        }
        else
        {
            // ODP, process_vm_access, goldfish and drm/via never passed FOLL_LONGTERM: on anonymous Normal-zone memory
            // the two rule sets give them exactly the same run.
            Assert.Equal(seedEra with { Semantics = GupSemantics.Mainline }, mainline);
        }
    }

    [Theory]
    [InlineData("ib_umem", true)]
    [InlineData("mthca_memfree", true)]
    [InlineData("io_uring", true)]
    [InlineData("process_vm_access", false)]
    [InlineData("via_dmablit", false)]
    public void A_seed_era_long_term_get_moves_a_CMA_buffer_out_of_CMA(string name, bool longterm)
    {
        // v5.6's check_and_migrate_cma_pages() ran for every FOLL_LONGTERM acquire, GET or PIN: the restored flag
        // changes where the buffer lives, not only whether the call is accepted.
        Assert.Equal(longterm, Catalogs.LegacyLongtermGets.Contains(name));
        using var memory = new PhysicalMemory(normalPages: 64, cmaPages: 64) { Semantics = GupSemantics.SeedEra };
        using var mm = new AddressSpace(memory);
        const int pages = 4;
        const int length = pages * PhysicalMemory.PageSize;
        var buffer = mm.Mmap(length, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, mm.Fill(buffer, length, 0x11));
        Assert.All(Zones(mm, buffer, pages), zone => Assert.Equal(Zone.Cma, zone));

        var driver = Catalogs.Legacy(name);
        var pattern = WorkloadRunner.Pattern(length, name);
        Assert.Equal(0, driver.Register(mm, new DmaDevice(memory), new Iommu(memory), buffer, length));
        var seen = new byte[length];
        if (driver.DeviceWritesMemory)
        {
            Assert.Equal(0, driver.DeviceWrite(0, pattern));
            driver.Release();
            Assert.Equal(0, mm.Read(buffer, seen));
        }
        else
        {
            Assert.Equal(0, mm.Write(buffer, pattern));
            Assert.Equal(0, driver.DeviceRead(0, seen));
            driver.Release();
        }

        Assert.Equal(pattern, seen);
        Assert.All(Zones(mm, buffer, pages), zone => Assert.Equal(longterm ? Zone.Normal : Zone.Cma, zone));
        Assert.Equal(0, memory.VmStat.NrFollPinAcquired);
    }

    [Theory]
    [InlineData(GupSemantics.SeedEra)]
    [InlineData(GupSemantics.Mainline)]
    public void Vfio_map_dma_takes_long_term_FOLL_GET_references_in_the_seed_era_only(GupSemantics semantics)
    {
        using var memory = new PhysicalMemory(normalPages: 256) { Semantics = semantics };
        using var mm = new AddressSpace(memory);
        const int pages = 4;
        var buffer = mm.Mmap(pages * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, mm.Fill(buffer, pages * PhysicalMemory.PageSize, 1));
        var iommu = new Iommu(memory);
        var container = new PinApi.Samples.Legacy.VfioIommuType1(mm, iommu);

        // VFIO_IOMMU_MAP_DMA from the task itself: mm == current->mm, the local get_user_pages(…, FOLL_LONGTERM) branch.
        var rc = container.MapDma(buffer, 0, pages * PhysicalMemory.PageSize, Protection.ReadWrite);
        if (semantics == GupSemantics.Mainline)
        {
            Assert.Equal(-(int)Errno.EINVAL, rc);
            Assert.Empty(container.DmaList);
            Assert.Equal(0, mm.LockedVm);
            Assert.All(Frames(mm, buffer, pages), page => Assert.Equal(1, page.RefCount));
            return;
        }

        Assert.Equal(0, rc);
        Assert.Equal(pages, mm.LockedVm);

        // One reference for the mapping, one FOLL_GET reference held through the IOMMU mapping; no pin.
        Assert.All(Frames(mm, buffer, pages), page => Assert.Equal(2, page.RefCount));
        Assert.All(Frames(mm, buffer, pages), page => Assert.False(Gup.PageMaybeDmaPinned(page)));
        Assert.Equal(0, memory.VmStat.NrFollPinAcquired);
        Assert.Equal(pages * PhysicalMemory.PageSize, container.UnmapDma(0, pages * PhysicalMemory.PageSize));
        Assert.Equal(0, mm.LockedVm);
        Assert.All(Frames(mm, buffer, pages), page => Assert.Equal(1, page.RefCount));
    }

    [Theory]
    [InlineData(GupSemantics.SeedEra)]
    [InlineData(GupSemantics.Mainline)]
    public void Vfio_remote_branch_takes_FOLL_GET_without_FOLL_LONGTERM(GupSemantics semantics)
    {
        // Before seed #7 the remote branch (mm != current->mm) called get_user_pages_remote() without FOLL_LONGTERM:
        // it works under either rule set, and that missing flag is the bug #7 fixed.
        using var memory = new PhysicalMemory(normalPages: 256) { Semantics = semantics };
        using var mm = new AddressSpace(memory);
        var buffer = mm.Mmap(4 * PhysicalMemory.PageSize, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        mm.Fill(buffer, 4 * PhysicalMemory.PageSize, 1);
        var container = new PinApi.Samples.Legacy.VfioIommuType1(mm, domain: null) { CallerMm = null };
        Assert.Equal(0, container.MapDma(buffer, 0, 4 * PhysicalMemory.PageSize, Protection.ReadWrite));
        ulong[] userPfn = [0, 1, 2, 3];
        var phys = new long[4];

        Assert.Equal(4, container.PinPages(userPfn, 4, Protection.ReadWrite, phys));
        // One reference for the mapping, one FOLL_GET reference per pinned IOVA.
        Assert.All(phys, pfn => Assert.Equal(2, memory.PfnToPage(pfn).RefCount));
        Assert.Equal(0, memory.VmStat.NrFollPinAcquired);
        Assert.Equal(4, container.UnpinPages(userPfn, 4));
        Assert.Equal(0, mm.LockedVm);
    }

    private static Page[] Frames(AddressSpace mm, ulong address, int pages)
    {
        var frames = new Page[pages];
        for (var i = 0; i < pages; i++)
        {
            Assert.True(mm.TryGetMappedPage(address + ((ulong)i * PhysicalMemory.PageSize), out frames[i]));
        }

        return frames;
    }

    private static Zone[] Zones(AddressSpace mm, ulong address, int pages) => [.. Frames(mm, address, pages).Select(page => page.Zone)];
}
