using static PinApi.Tests.HugeMappings;

namespace PinApi.Tests;

/// <summary>
/// KERNEL.md §4 (I5) for transparent huge pages: a long-term pin of any part of a THP in ZONE_MOVABLE migrates the
/// whole compound page to ZONE_NORMAL. A PMD-mapped THP gets one PMD migration entry and then a PMD leaf that maps
/// the new page; a PTE-mapped one has each of its PTEs moved.
/// </summary>
public class ThpMigrationTests
{
    [Theory]
    [InlineData(0, Frames, true)]
    [InlineData(100, 10, false)]
    public void I5_a_longterm_pin_migrates_a_pmd_mapped_thp_whole_and_the_pmd_then_maps_the_new_page(int first, int count, bool fast)
    {
        using var machine = new Machine(normalPages: 4096, movablePages: 2048);
        var memory = machine.Memory;
        var block = ThpBlocks(machine, 1);
        WriteMarkers(machine, block);
        Assert.True(machine.Mm.TryGetMappedPage(block, out var original));
        Assert.Equal(Zone.Movable, original.Zone);
        Assert.True(original.IsCompound);
        Assert.True(IsPmdMapped(machine, block));
        var movableFree = memory.FreePages(Zone.Movable);

        var pages = new Page[count];
        var start = PageOf(block, first);
        var got = fast
            ? Gup.PinUserPagesFast(machine.Mm, start, count, GupFlags.Write | GupFlags.Longterm, pages)
            : Gup.PinUserPagesUnlocked(machine.Mm, start, count, GupFlags.Write | GupFlags.Longterm, pages);
        Assert.Equal(count, got);

        var head = pages[0].CompoundHead;
        Assert.Equal(Zone.Normal, head.Zone);
        Assert.NotEqual(original.Pfn, head.Pfn);
        Assert.True(head.IsCompound);
        Assert.Equal(PhysicalMemory.HugePageOrder, head.Order);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(head.Pfn + first + i, pages[i].Pfn);
        }

        Assert.Equal(count, head.PinCount);
        Assert.Equal(Frames + count, head.RefCount);

        // Still one huge leaf, present and writable, now mapping the new compound page: not split.
        var pmd = PmdAt(machine, block);
        Assert.True(Pte.IsHuge(pmd));
        Assert.True(Pte.IsPresent(pmd));
        Assert.False(Pte.IsMigration(pmd));
        Assert.True(Pte.IsWritable(pmd));
        Assert.Equal(head.Pfn, Pte.PfnOf(pmd));

        // Every subpage moved with its data, pinned or not; the old page went back to ZONE_MOVABLE.
        for (var i = 0; i < Frames; i++)
        {
            Assert.Equal(Marker(i), memory.PfnToPage(head.Pfn + i).Data[0]);
        }

        Assert.Equal(Marker(300), ReadByte(machine, PageOf(block, 300)));
        Assert.True(original.IsFree);
        Assert.Equal(movableFree + Frames, memory.FreePages(Zone.Movable));
        Assert.Equal(Frames, memory.VmStat[VmStatItem.PgMigrateSuccess]);
        Assert.Equal(0, memory.VmStat[VmStatItem.PgMigrateFail]);

        // The process's stores land in the pinned copy.
        Assert.Equal(0, machine.Mm.Write(start, [0xC3]));
        Assert.Equal(0xC3, pages[0].Data[0]);

        Gup.UnpinUserPages(pages);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, machine.Mm.Munmap(block, Size));
        Assert.True(head.IsFree);
    }

    [Fact]
    public void I5_a_longterm_pin_of_a_pte_mapped_thp_migrates_it_whole_and_moves_every_remaining_pte()
    {
        using var machine = new Machine(normalPages: 4096, movablePages: 2048);
        var memory = machine.Memory;
        var block = ThpBlocks(machine, 1);
        WriteMarkers(machine, block);
        Assert.True(machine.Mm.TryGetMappedPage(block, out var original));
        Assert.Equal(0, machine.Mm.Madvise(PageOf(block, 7), (ulong)Machine.Page, Advice.DontNeed));
        Assert.Equal(Pte.Table, PmdAt(machine, block));

        var pages = new Page[2];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, PageOf(block, 20), 2, GupFlags.Write | GupFlags.Longterm, pages));
        var head = pages[0].CompoundHead;
        Assert.Equal(Zone.Normal, head.Zone);
        Assert.True(head.IsCompound);
        Assert.Equal(head.Pfn + 20, pages[0].Pfn);
        Assert.Equal(2, head.PinCount);
        Assert.Equal(Frames - 1 + 2, head.RefCount);
        Assert.True(original.IsFree);
        Assert.Equal(Frames, memory.VmStat[VmStatItem.PgMigrateSuccess]);

        Assert.Equal(Pte.Table, PmdAt(machine, block));
        Assert.False(machine.Mm.TryGetMappedPage(PageOf(block, 7), out _));
        for (var i = 0; i < Frames; i++)
        {
            if (i == 7)
            {
                continue;
            }

            Assert.True(machine.Mm.TryGetMappedPage(PageOf(block, i), out var mapped));
            Assert.Equal(head.Pfn + i, mapped.Pfn);
            Assert.Equal(Marker(i), mapped.Data[0]);
        }

        Gup.UnpinUserPages(pages);
        Assert.Equal(Frames - 1, head.RefCount);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
    }
}
