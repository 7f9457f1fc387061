namespace PinApi.Samples.VfioMdevPci;

/// <summary>
/// <c>struct vfio_pci_device</c> and the vfio-pci-common entry points the sample forwards to (patches 1–10 of the
/// series split them out of vfio_pci.c): enable/disable, region read/write and the device ioctls. Regions are
/// addressed as VFIO does, <c>VFIO_PCI_INDEX_TO_OFFSET(index) = index &lt;&lt; 40</c>.
/// </summary>
public sealed class VfioPciDevice(PciDevice pdev, Reflck reflck)
{
    public const int Bar0RegionIndex = 0;
    public const int ConfigRegionIndex = 7;

    /// <summary>VFIO_PCI_NUM_REGIONS and VFIO_PCI_NUM_IRQS.</summary>
    public const uint NumRegions = 9;
    public const uint NumIrqs = 5;

    /// <summary>VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI.</summary>
    public const uint DeviceFlags = (1u << 0) | (1u << 1);

    /// <summary>VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE.</summary>
    public const uint RegionReadWrite = (1u << 0) | (1u << 1);

    private const int OffsetShift = 40;

    public PciDevice Pdev { get; } = pdev;

    public Reflck Reflck { get; } = reflck;

    public bool NoIntxMask { get; set; }

    public bool DisableIdleD3 { get; set; }

    public static ulong IndexToOffset(int index) => (ulong)index << OffsetShift;

    /// <summary><c>vfio_pci_refresh_config()</c>: module parameters may have changed since probe.</summary>
    public void RefreshConfig(bool noIntxMask, bool disableIdleD3)
    {
        NoIntxMask = noIntxMask;
        DisableIdleD3 = disableIdleD3;
    }

    /// <summary><c>vfio_pci_set_power_state()</c>.</summary>
    public void SetPowerState(string state) => Pdev.PowerState = state;

    /// <summary><c>vfio_pci_enable()</c>: D0, <c>pci_enable_device()</c>.</summary>
    public int Enable()
    {
        SetPowerState("D0");
        Pdev.Enabled = true;
        return 0;
    }

    /// <summary><c>vfio_pci_disable()</c>: stop bus mastering, disable, back to D3hot unless disable_idle_d3.</summary>
    public void Disable()
    {
        var command = BitConverter.ToUInt16(Pdev.Config, 0x04);
        BitConverter.TryWriteBytes(Pdev.Config.AsSpan(0x04), (ushort)(command & ~PciDevice.CommandMemoryMaster));
        Pdev.Enabled = false;
        if (!DisableIdleD3)
        {
            SetPowerState("D3hot");
        }
    }

    /// <summary><c>vfio_pci_read()</c> → <c>vfio_pci_rw()</c>: bytes read or a negative errno.</summary>
    public long Read(Span<byte> buf, ulong ppos)
    {
        var region = Region(ppos, buf.Length, out var offset);
        if (region is null)
        {
            return -(int)Errno.EINVAL;
        }

        region.AsSpan(offset, buf.Length).CopyTo(buf);
        return buf.Length;
    }

    /// <summary><c>vfio_pci_write()</c> → <c>vfio_pci_rw()</c>: bytes written or a negative errno.</summary>
    public long Write(ReadOnlySpan<byte> buf, ulong ppos)
    {
        var region = Region(ppos, buf.Length, out var offset);
        if (region is null)
        {
            return -(int)Errno.EINVAL;
        }

        buf.CopyTo(region.AsSpan(offset));
        return buf.Length;
    }

    /// <summary><c>vfio_pci_ioctl()</c> for the commands the sample forwards.</summary>
    public long Ioctl(VfioDeviceIoctl cmd, uint index, out object? result)
    {
        result = null;
        switch (cmd)
        {
            case VfioDeviceIoctl.GetInfo:
                result = new VfioDeviceInfo(DeviceFlags, NumRegions, NumIrqs);
                return 0;
            case VfioDeviceIoctl.GetRegionInfo:
                if (index >= NumRegions)
                {
                    return -(int)Errno.EINVAL;
                }

                var size = index switch
                {
                    ConfigRegionIndex => (ulong)Pdev.Config.Length,
                    Bar0RegionIndex => (ulong)Pdev.Bar0.Length,
                    _ => 0UL,
                };
                result = new VfioRegionInfo(index, size == 0 ? 0 : RegionReadWrite, size, IndexToOffset((int)index));
                return 0;
            case VfioDeviceIoctl.Reset:
                // pci_try_reset_function(): registers back to their reset values, bus mastering off.
                Array.Clear(Pdev.Bar0);
                BitConverter.TryWriteBytes(Pdev.Config.AsSpan(0x04), (ushort)0);
                return 0;
            default:
                return -(int)Errno.ENOTTY;
        }
    }

    private byte[]? Region(ulong ppos, int count, out int offset)
    {
        var index = (int)(ppos >> OffsetShift);
        offset = (int)(ppos & ((1UL << OffsetShift) - 1));
        var region = index switch
        {
            ConfigRegionIndex => Pdev.Config,
            Bar0RegionIndex => Pdev.Bar0,
            _ => null,
        };
        return region is not null && offset >= 0 && offset + count <= region.Length ? region : null;
    }
}
