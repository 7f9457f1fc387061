namespace PinApi.Contracts;

/// <summary>
/// Marks a parameter whose pages are handed to a device (DMA): they must carry FOLL_PIN references, because only
/// pins tell writeback and migration that someone writes the data behind the page tables' back (KERNEL.md §1).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class RequiresPinAttribute : Attribute
{
    /// <summary>True when the device may write into the pages (DMA_FROM_DEVICE): a write pin is then needed.</summary>
    public bool DeviceWrites { get; set; } = true;
}
