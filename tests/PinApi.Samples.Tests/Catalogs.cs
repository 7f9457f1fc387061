using LegacyCatalog = PinApi.Samples.Legacy.DriverCatalog;
using DriversCatalog = PinApi.Samples.Drivers.DriverCatalog;

namespace PinApi.Samples.Tests;

/// <summary>The driver names of both catalogs, as xunit member data, and the Legacy → Drivers pairing.</summary>
public static class Catalogs
{
    /// <summary>Drivers whose device reaches memory through DmaDevice or the IOMMU (not a CPU copy or page tables).</summary>
    public static readonly string[] DeviceDma =
    [
        "ib_umem", "hfi1_user_pages", "qib_user_pages", "usnic_uiom", "vfio_type1", "io_uring", "videobuf_dma_sg",
        "videobuf_dma_sg_set_dirty", "xdp_umem", "via_dmablit", "goldfish_pipe", "powerpc_mm_iommu",
    ];

    /// <summary>Drivers that pin with FOLL_LONGTERM after the series and whose device writes the buffer.</summary>
    public static readonly string[] LongtermWriters =
    [
        "ib_umem", "hfi1_user_pages", "qib_user_pages", "usnic_uiom", "siw_mem", "videobuf_dma_sg", "xdp_umem", "powerpc_mm_iommu",
    ];

    /// <summary>
    /// Legacy drivers whose v5.5 acquire passed FOLL_LONGTERM to a GET-family call (KERNEL.md §7): they need the seed
    /// era's rules. ODP, process_vm_access, goldfish and drm/via did not use FOLL_LONGTERM.
    /// </summary>
    public static readonly string[] LegacyLongtermGets =
    [
        "ib_umem", "hfi1_user_pages", "mthca_memfree", "qib_user_pages", "qib_user_sdma", "usnic_uiom", "siw_mem", "vfio_type1",
        "io_uring", "xdp_umem", "videobuf_dma_sg", "videobuf_dma_sg_set_dirty", "powerpc_mm_iommu",
    ];

    public static TheoryData<string> DriverNames() => [.. DriversCatalog.All.Keys];

    public static TheoryData<string> LegacyNames() => [.. LegacyCatalog.All.Keys];

    public static TheoryData<string> LongtermWriterNames() => [.. LongtermWriters];

    /// <summary>The Drivers twin of a Legacy driver (both videobuf eras map to the one post-series driver).</summary>
    public static string TwinOf(string legacyName) => legacyName == "videobuf_dma_sg_set_dirty" ? "videobuf_dma_sg" : legacyName;

    public static IUserBufferDriver Legacy(string name) => LegacyCatalog.All[name]();

    public static IUserBufferDriver Drivers(string name) => DriversCatalog.All[name]();
}
