namespace PinApi.Samples.VfioMdevPci;

/// <summary>PCI_HEADER_TYPE_* (config space offset 0x0e, low 7 bits).</summary>
public enum PciHeaderType : byte
{
    Normal = 0,
    Bridge = 1,
    CardBus = 2,
}
