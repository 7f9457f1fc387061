namespace PinApi.Samples.Legacy;

/// <summary><c>enum dma_data_direction</c>.</summary>
public enum DmaDirection
{
    Bidirectional,
    ToDevice,
    FromDevice,
    None,
}
