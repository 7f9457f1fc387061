namespace PinApi.Samples.VfioMdevPci;

/// <summary><c>struct vfio_pci_reflck</c>: the lock and open count shared by the functions of one reset domain.</summary>
public sealed class Reflck
{
    public Lock Lock { get; } = new();

    public int RefCnt { get; set; }
}
