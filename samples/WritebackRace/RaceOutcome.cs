namespace PinApi.Samples.WritebackRace;

/// <summary>What one run of the race did and what reached the disk.</summary>
public sealed record RaceOutcome(
    ReferenceKind Kind,
    WritebackPolicy Policy,
    WritebackResult DuringDma,
    WritebackResult AfterRelease,
    int PagesOnDiskWithDeviceData,
    int Pages,
    byte[] FirstBytesOnDisk,
    long OutstandingPins)
{
    /// <summary>True when every page the device wrote reached the file.</summary>
    public bool DeviceDataKept => PagesOnDiskWithDeviceData == Pages;
}
