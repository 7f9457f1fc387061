namespace PinApi.Samples.VfioMdevPci;

/// <summary>
/// A simulated PCI function: identity and header type in a 256-byte config space, SR-IOV state, one 4 KiB memory
/// BAR of registers, a power state, and a bus-master DMA engine that writes by IOVA through its IOMMU group's domain.
/// </summary>
public sealed class PciDevice
{
    /// <summary>PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER.</summary>
    public const ushort CommandMemoryMaster = 0x0006;

    public PciDevice(string name, ushort vendor, ushort device, PciHeaderType headerType = PciHeaderType.Normal, uint classCode = 0x020000, byte revision = 1)
    {
        Name = name;
        Config = new byte[256];
        BitConverter.TryWriteBytes(Config.AsSpan(0x00), vendor);
        BitConverter.TryWriteBytes(Config.AsSpan(0x02), device);
        Config[0x08] = revision;
        Config[0x09] = (byte)classCode;
        Config[0x0a] = (byte)(classCode >> 8);
        Config[0x0b] = (byte)(classCode >> 16);
        Config[0x0e] = (byte)headerType;
        BitConverter.TryWriteBytes(Config.AsSpan(0x2c), (ushort)0x1af4);
        BitConverter.TryWriteBytes(Config.AsSpan(0x2e), (ushort)0x0001);
    }

    public string Name { get; }

    public byte[] Config { get; }

    public byte[] Bar0 { get; } = new byte[PhysicalMemory.PageSize];

    public ushort Vendor => BitConverter.ToUInt16(Config, 0x00);

    public ushort Device => BitConverter.ToUInt16(Config, 0x02);

    public ushort SubVendor => BitConverter.ToUInt16(Config, 0x2c);

    public ushort SubDevice => BitConverter.ToUInt16(Config, 0x2e);

    public uint ClassCode => (uint)(Config[0x09] | (Config[0x0a] << 8) | (Config[0x0b] << 16));

    public byte Revision => Config[0x08];

    public PciHeaderType HeaderType => (PciHeaderType)(Config[0x0e] & 0x7f);

    /// <summary>True for an SR-IOV physical function.</summary>
    public bool IsPhysFn { get; init; }

    /// <summary><c>pci_num_vf()</c>: VFs currently enabled.</summary>
    public int NumVfs { get; set; }

    public IommuGroup? IommuGroup { get; set; }

    public bool Enabled { get; set; }

    /// <summary>"D0" or "D3hot".</summary>
    public string PowerState { get; set; } = "D0";

    /// <summary>Bus-master DMA write by IOVA: 0, -EFAULT (IOMMU fault) or -EIO (bus mastering off).</summary>
    public int DmaWrite(ulong iova, ReadOnlySpan<byte> bytes)
    {
        if (!Enabled || (BitConverter.ToUInt16(Config, 0x04) & CommandMemoryMaster) != CommandMemoryMaster)
        {
            return -(int)Errno.EIO;
        }

        return IommuGroup?.Domain.DeviceWrite(iova, bytes) ?? -(int)Errno.EFAULT;
    }

    /// <summary>Bus-master DMA read by IOVA.</summary>
    public int DmaRead(ulong iova, Span<byte> destination)
    {
        if (!Enabled || (BitConverter.ToUInt16(Config, 0x04) & CommandMemoryMaster) != CommandMemoryMaster)
        {
            return -(int)Errno.EIO;
        }

        return IommuGroup?.Domain.DeviceRead(iova, destination) ?? -(int)Errno.EFAULT;
    }
}
