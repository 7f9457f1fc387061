namespace PinApi.Samples.VfioMdevPci;

/// <summary>
/// samples/vfio-mdev-pci/vfio_mdev_pci.c (seed 001, "vfio_pci: wrap pci device as a mediated device", v4 patch 11 and
/// patch 12's refinements): a vfio-pci-like meta driver that binds to a PCI function and exposes it as one
/// IOMMU-backed mediated device type. Module parameters <c>ids</c>, <c>nointxmask</c>, <c>disable_vga</c> and
/// <c>disable_idle_d3</c> are constructor arguments.
/// </summary>
public sealed class VfioMdevPciDriver
{
    private readonly (ushort Vendor, ushort Device)[] ids;
    private readonly Dictionary<PciDevice, VfioPciDevice> drvdata = [];
    private readonly Dictionary<Guid, MdevDevice> mdevs = [];
    private readonly List<string> log = [];
    private int moduleRefCount;

    public VfioMdevPciDriver(IEnumerable<(ushort Vendor, ushort Device)>? ids = null, bool noIntxMask = false, bool disableVga = false, bool disableIdleD3 = false)
    {
        this.ids = ids?.ToArray() ?? [];
        NoIntxMask = noIntxMask;
        DisableVga = disableVga;
        DisableIdleD3 = disableIdleD3;
    }

    public bool NoIntxMask { get; }

    public bool DisableVga { get; }

    public bool DisableIdleD3 { get; }

    /// <summary>The module's reference count (<c>try_module_get</c> / <c>module_put</c> in open/release).</summary>
    public int ModuleRefCount => moduleRefCount;

    /// <summary>What the driver printed (pr_info / pci_warn).</summary>
    public IReadOnlyList<string> Log => log;

    /// <summary>The mdev parents registered by successful probes.</summary>
    public IReadOnlyCollection<PciDevice> Parents => drvdata.Keys;

    /// <summary><c>vfio_mdev_pci_driver_probe()</c>: 0, -ENODEV (not in ids), -EINVAL or -EBUSY.</summary>
    public int Probe(PciDevice pdev)
    {
        if (ids.Length > 0 && !ids.Contains((pdev.Vendor, pdev.Device)))
        {
            return -(int)Errno.ENODEV;
        }

        if (pdev.HeaderType != PciHeaderType.Normal)
        {
            return -(int)Errno.EINVAL;
        }

        // "Prevent binding to PFs with VFs enabled, this too easily allows userspace instance with VFs and PFs from
        // the same device, which cannot work."
        if (pdev.IsPhysFn && pdev.NumVfs > 0)
        {
            log.Add($"{pdev.Name}: Cannot bind to PF with SR-IOV enabled");
            return -(int)Errno.EBUSY;
        }

        // vfio_iommu_group_get(): only singleton IOMMU groups are supported (non-singleton support dropped in v3).
        if (pdev.IommuGroup is not { IsSingleton: true })
        {
            log.Add($"{pdev.Name}: only singleton IOMMU groups are supported");
            return -(int)Errno.EINVAL;
        }

        var vdev = new VfioPciDevice(pdev, new Reflck()) { NoIntxMask = NoIntxMask, DisableIdleD3 = DisableIdleD3 };

        // pci_set_drvdata() + vfio_pci_reflck_attach(); no VGA client for a non-VGA function.
        drvdata[pdev] = vdev;

        // vfio_pci_probe_power_state(); "unless disable_idle_d3 go D0 → D3hot".
        if (!vdev.DisableIdleD3)
        {
            vdev.SetPowerState("D0");
            vdev.SetPowerState("D3hot");
        }

        // mdev_register_device(&pdev->dev, &vfio_mdev_pci_ops)
        log.Add($"Wrap device {pdev.Name} as a mdev");
        return 0;
    }

    /// <summary><c>vfio_mdev_pci_driver_remove()</c>: <c>mdev_unregister_device()</c> removes the children first.</summary>
    public void Remove(PciDevice pdev)
    {
        foreach (var mdev in mdevs.Values.Where(m => m.Vdev.Pdev == pdev).ToArray())
        {
            while (mdev.OpenCount > 0)
            {
                Release(mdev);
            }

            mdevs.Remove(mdev.Uuid);
        }

        if (drvdata.Remove(pdev, out var vdev) && !vdev.DisableIdleD3)
        {
            vdev.SetPowerState("D0");
        }
    }

    /// <summary>The parent's <c>mdev_supported_types</c>.</summary>
    public IReadOnlyList<MdevType> SupportedTypes(PciDevice pdev) => drvdata.ContainsKey(pdev) ? [new MdevType(pdev)] : [];

    /// <summary><c>echo &lt;uuid&gt; &gt; …/mdev_supported_types/&lt;type&gt;/create</c> → <c>vfio_mdev_pci_create()</c>.</summary>
    public int Create(PciDevice parent, Guid uuid, string typeName, out MdevDevice? mdev)
    {
        mdev = null;
        if (!drvdata.TryGetValue(parent, out var vdev))
        {
            return -(int)Errno.ENODEV;
        }

        var type = new MdevType(parent);
        if (type.Name != typeName)
        {
            return -(int)Errno.EINVAL;
        }

        if (mdevs.ContainsKey(uuid))
        {
            return -(int)Errno.EEXIST;
        }

        var created = new MdevDevice(uuid, type, vdev);

        // mdev_set_iommu_device(mdev_dev(mdev), &pdev->dev): DMA goes through the parent's IOMMU domain.
        created.IommuDevice = parent;
        mdevs[uuid] = created;
        mdev = created;
        log.Add("vfio_mdev_pci_create, creation succeeded");
        return 0;
    }

    /// <summary><c>echo 1 &gt; …/&lt;uuid&gt;/remove</c>: the mdev core refuses while the device is open.</summary>
    public int RemoveMdev(MdevDevice mdev)
    {
        if (mdev.OpenCount > 0)
        {
            return -(int)Errno.EBUSY;
        }

        return mdevs.Remove(mdev.Uuid) ? 0 : -(int)Errno.ENODEV;
    }

    /// <summary><c>vfio_mdev_pci_open()</c>: the first open of the reset domain enables the function.</summary>
    public int Open(MdevDevice mdev)
    {
        var vdev = mdev.Vdev;
        var ret = 0;

        // try_module_get(THIS_MODULE)
        moduleRefCount++;
        vdev.RefreshConfig(NoIntxMask, DisableIdleD3);
        lock (vdev.Reflck.Lock)
        {
            if (vdev.Reflck.RefCnt == 0)
            {
                ret = vdev.Enable();
                if (ret != 0)
                {
                    goto error;
                }

                // vfio_spapr_pci_eeh_open(): nothing to do off powerpc.
            }

            vdev.Reflck.RefCnt++;
            mdev.OpenCount++;
        }

    error:
        if (ret != 0)
        {
            moduleRefCount--;
        }

        return ret;
    }

    /// <summary><c>vfio_mdev_pci_release()</c>: the last release disables the function.</summary>
    public void Release(MdevDevice mdev)
    {
        var vdev = mdev.Vdev;
        lock (vdev.Reflck.Lock)
        {
            if (--vdev.Reflck.RefCnt == 0)
            {
                vdev.Disable();
            }

            mdev.OpenCount--;
        }

        moduleRefCount--;
    }

    /// <summary><c>vfio_mdev_pci_read()</c> → <c>vfio_pci_read()</c>.</summary>
    public long Read(MdevDevice mdev, Span<byte> buf, ulong ppos) => mdev.Vdev.Read(buf, ppos);

    /// <summary><c>vfio_mdev_pci_write()</c> → <c>vfio_pci_write()</c>.</summary>
    public long Write(MdevDevice mdev, ReadOnlySpan<byte> buf, ulong ppos) => mdev.Vdev.Write(buf, ppos);

    /// <summary><c>vfio_mdev_pci_ioctl()</c> → <c>vfio_pci_ioctl()</c>.</summary>
    public long Ioctl(MdevDevice mdev, VfioDeviceIoctl cmd, uint index, out object? result) => mdev.Vdev.Ioctl(cmd, index, out result);
}
