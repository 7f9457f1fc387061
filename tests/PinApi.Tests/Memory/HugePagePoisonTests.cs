using static PinApi.Tests.HugeMappings;

namespace PinApi.Tests;

/// <summary>
/// KERNEL.md §2.3 and §5 (CONFORMANCE.md "a poisoned subpage of a huge page"): poisoning one subpage marks its
/// compound head (PG_has_hwpoisoned), so gup-fast leaves the whole huge page to the slow path, which looks at every
/// subpage and refuses the poisoned one with -EHWPOISON under FOLL_HWPOISON and -EFAULT otherwise.
/// </summary>
public class HugePagePoisonTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_poisoned_subpage_of_a_huge_page_is_EHWPOISON_and_the_pages_before_it_are_returned(bool thp)
    {
        using var machine = thp ? new Machine(normalPages: 2048) : new Machine(normalPages: 256, hugePages: 1);
        var memory = machine.Memory;
        var address = thp ? ThpBlocks(machine, 1) : machine.Mm.Mmap(Size, Protection.ReadWrite, VmaKind.Hugetlb);
        Assert.Equal(0, machine.Mm.Fill(address, PhysicalMemory.HugePageSize, 1));
        Assert.True(IsPmdMapped(machine, address));
        Assert.True(machine.Mm.TryGetMappedPage(PageOf(address, 5), out var poisoned));
        var head = poisoned.CompoundHead;
        Assert.Equal(thp, !head.IsHugetlb);
        memory.PoisonPage(poisoned);

        // gup-fast takes nothing from the marked huge page, not even healthy subpages far from the poisoned one.
        var pages = new Page[Frames];
        Assert.Equal(0, Gup.PinUserPagesFastOnly(machine.Mm, PageOf(address, 100), 4, GupFlags.Write, pages));
        Assert.Equal(0, head.PinCount);

        // With the slow-path fallback: the pages before the poisoned one, then a short count (I4).
        Assert.Equal(5, Gup.PinUserPagesFast(machine.Mm, address, Frames, GupFlags.Write, pages));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(head.Pfn + i, pages[i].Pfn);
        }

        Assert.True(pages[5].IsNull);
        Assert.Equal(5, head.PinCount);
        Assert.Equal(Frames + 5, head.RefCount);
        Gup.UnpinUserPages(pages.AsSpan(0, 5));

        // Starting at the poisoned subpage: nothing taken, and the errno depends on FOLL_HWPOISON.
        Assert.Equal(-(int)Errno.EHWPOISON, machine.Pin(PageOf(address, 5), 1, GupFlags.Hwpoison, pages));
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(PageOf(address, 5), 1, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EHWPOISON, machine.Get(PageOf(address, 5), 3, GupFlags.Hwpoison, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, PageOf(address, 5), 2, GupFlags.None, pages));
        Assert.Equal(0, head.PinCount);
        Assert.Equal(Frames, head.RefCount);

        // The healthy subpages after it are still there for the slow path, page by page.
        Assert.Equal(3, machine.Pin(PageOf(address, 6), 3, GupFlags.None, pages));
        Assert.Equal(head.Pfn + 6, pages[0].Pfn);
        Assert.Equal(3, head.PinCount);
        Gup.UnpinUserPages(pages.AsSpan(0, 3));
        Assert.Equal(4, Gup.PinUserPagesFast(machine.Mm, PageOf(address, 100), 4, GupFlags.Write, pages));
        Assert.Equal(head.Pfn + 103, pages[3].Pfn);
        Gup.UnpinUserPages(pages.AsSpan(0, 4));

        Assert.Equal(0, head.PinCount);
        Assert.Equal(Frames, head.RefCount);
        Assert.Equal(0, memory.VmStat.OutstandingPins);
    }
}
