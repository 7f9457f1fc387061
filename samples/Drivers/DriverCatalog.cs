namespace PinApi.Samples.Drivers;

/// <summary>Every post-series driver, by the name it shares with its Legacy twin.</summary>
public static class DriverCatalog
{
    public static IReadOnlyDictionary<string, Func<IUserBufferDriver>> All { get; } = new Dictionary<string, Func<IUserBufferDriver>>
    {
        ["ib_umem"] = () => new IbUmem(),
        ["umem_odp"] = () => new UmemOdp(),
        ["hfi1_user_pages"] = () => new Hfi1UserPages(),
        ["mthca_memfree"] = () => new MthcaMemfree(),
        ["qib_user_pages"] = () => new QibUserPages(),
        ["qib_user_sdma"] = () => new QibUserSdma(),
        ["usnic_uiom"] = () => new UsnicUiom(),
        ["siw_mem"] = () => new SiwMem(),
        ["vfio_type1"] = () => new VfioType1(),
        ["io_uring"] = () => new IoUring(),
        ["process_vm_access"] = () => new ProcessVmAccess(),
        ["videobuf_dma_sg"] = () => new VideobufDmaSg(),
        ["xdp_umem"] = () => new XdpUmem(),
        ["via_dmablit"] = () => new ViaDmablit(),
        ["goldfish_pipe"] = () => new GoldfishPipe(),
        ["powerpc_mm_iommu"] = () => new PowerpcMmIommu(),
    };
}
