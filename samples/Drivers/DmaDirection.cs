namespace PinApi.Samples.Drivers;

/// <summary><c>enum dma_data_direction</c>.</summary>
public enum DmaDirection
{
    Bidirectional,
    ToDevice,
    FromDevice,
    None,
}
