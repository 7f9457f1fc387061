using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>
/// The fixed sources of the flag and dirtying fix tests, run on the simulated kernel: each fix must leave code that
/// works (the call is accepted, the pins balance, the pages end dirty where they were written), not only code that
/// reads right. The conversion, PIN0101 and PIN0104 fixes are run beside their own tests.
/// </summary>
public class FixBehaviourTests
{
    [Fact]
    public void Pin0103FixedPinIsTakenAndDirtiedOnRelease()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(2);
        using (memory)
        {
            using (mm.MmapReadLock())
            {
                FixedCodeRunner.Run(FlagsFixTests.ConditionalFlagsWithWrite, "Umem", "Release", mm, address, false);
            }

            Assert.True(mm.TryGetMappedPage(address, out var page));
            Assert.True(page.IsDirty);
            Assert.Equal(2, memory.VmStat.NrFollPinAcquired);
            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }

    [Fact]
    public void Pin0206FixedPinIsLongtermAndStillReleased()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(1);
        using (memory)
        {
            FixedCodeRunner.WithAssembly(FlagsFixTests.KeptWithLongterm, assembly =>
            {
                var type = assembly.GetType("Vfio", throwOnError: true)!;
                var vfio = Activator.CreateInstance(type)!;
                Assert.Equal(1L, FixedCodeRunner.Invoke(type, vfio, "Map", mm, address));
                Assert.Equal(1, memory.VmStat.NrFollPinAcquired - memory.VmStat.NrFollPinReleased);
                FixedCodeRunner.Invoke(type, vfio, "Unmap");
            });
            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }

    [Fact]
    public void Pin0204FixedShortTermPinBalances()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(1);
        using (memory)
        {
            FixedCodeRunner.Run(FlagsFixTests.ShortTermPin, "Probe", "Run", mm, address);
            Assert.Equal(1, memory.VmStat.NrFollPinAcquired);
            Assert.Equal(1, memory.VmStat.NrFollPinReleased);
        }
    }

    [Fact]
    public void Pin0203FixedCallsAreAcceptedWhereTheInternalFlagsWereRefused()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(2);
        using (memory)
        {
            var pinned = new Page[2];
            Assert.Equal(2L, FixedCodeRunner.Run(FlagsFixTests.CallersWithoutInternalFlags, "Callers", "A", mm, address, pinned));
            Gup.UnpinUserPages(pinned);
            var got = new Page[2];
            Assert.Equal(2L, FixedCodeRunner.Run(FlagsFixTests.CallersWithoutInternalFlags, "Callers", "B", mm, address, got));
            foreach (var page in got)
            {
                Gup.PutPage(page);
            }

            // The same calls with the internal flags the fix removed are refused by is_valid_gup_args().
            Assert.Equal(-(long)Errno.EINVAL, Gup.PinUserPagesUnlocked(mm, address, 2, GupFlags.Pin | GupFlags.Write, new Page[2]));
            Assert.Equal(-(long)Errno.EINVAL, Gup.GetUserPagesUnlocked(mm, address, 2, GupFlags.Touch, new Page[2]));
            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }

    [Fact]
    public void Pin0202FixedRemoteLongtermPinIsTakenUnderTheCallersLock()
    {
        foreach (var semantics in new[] { GupSemantics.Mainline, GupSemantics.SeedEra })
        {
            var (memory, mm, address) = FixedCodeRunner.Machine(2, semantics);
            using (memory)
            {
                var pages = new Page[2];
                Assert.Equal(2L, FixedCodeRunner.Run(FlagsFixTests.RemoteWithoutLocked, "ProcessVm", "Pin", mm, address, pages));
                Assert.False(mm.IsMmapLockHeld);
                Gup.UnpinUserPages(pages);
                Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
            }
        }
    }

    [Fact]
    public void Pin0102And0101FixedCodeLeavesEveryWrittenPageDirty()
    {
        var (memory, mm, address) = FixedCodeRunner.Machine(4);
        using (memory)
        {
            FixedCodeRunner.Run(DirtyingFixTests.DirtiedUnderThePageLock, "Goldfish", "Release", mm, address);
            FixedCodeRunner.Run(DirtyingFixTests.DirtiedPerPage, "ProcessVm", "Write", mm, address + (ulong)(2 * PhysicalMemory.PageSize), (byte)9);
            for (var i = 0; i < 4; i++)
            {
                Assert.True(mm.TryGetMappedPage(address + (ulong)(i * PhysicalMemory.PageSize), out var page));
                Assert.True(page.IsDirty, $"page {i}");
            }

            Assert.Equal(memory.VmStat.NrFollPinAcquired, memory.VmStat.NrFollPinReleased);
        }
    }
}
