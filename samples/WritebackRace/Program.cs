using System.Text;
using PinApi;
using PinApi.Samples.WritebackRace;

// Reproduces the FOLL_GET writeback race and its FOLL_PIN fix on a real file in the temp folder, then prints
// what reached the disk for each combination of reference kind and writeback policy.
var outcomes = WritebackRaceScenario.RunAll(Path.GetTempPath());
Console.WriteLine("The FOLL_PIN writeback race (KERNEL.md §1): a device writes into a shared file mapping while writeback runs.");
Console.WriteLine();
Console.WriteLine("Writeback columns: pages written / skipped because maybe-pinned / lost (dirtied behind the filesystem's back).");
Console.WriteLine();
Console.WriteLine($"{"driver",-32} {"writeback",-9} {"during DMA",-11} {"after release",-14} {"device data on disk",-20} first bytes on disk");
foreach (var o in outcomes)
{
    var driver = o.Kind == ReferenceKind.Pin ? "PinUserPages + UnpinDirtyLock" : "GetUserPages + SetPageDirtyLock";
    var disk = $"{o.PagesOnDiskWithDeviceData}/{o.Pages} pages {(o.DeviceDataKept ? "KEPT" : "LOST")}";
    Console.WriteLine($"{driver,-32} {o.Policy,-9} {Counts(o.DuringDma),-11} {Counts(o.AfterRelease),-14} {disk,-20} \"{Encoding.ASCII.GetString(o.FirstBytesOnDisk)}\"");
}

Console.WriteLine();
Console.WriteLine("Only FOLL_PIN with pin-aware writeback keeps the device's data: GET references look like any other");
Console.WriteLine("reference, so writeback cleans the page under the DMA and the late dirtying comes behind the filesystem's back.");
return outcomes.Count(o => o.DeviceDataKept) == 1 && outcomes[^1].DeviceDataKept ? 0 : 1;

static string Counts(WritebackResult r) => $"{r.Written}/{r.SkippedPinned}/{r.Lost}";
