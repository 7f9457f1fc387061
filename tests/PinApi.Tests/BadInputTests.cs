namespace PinApi.Tests;

/// <summary>Bad input gets a specific errno or exception and leaves every counter exact.</summary>
public class BadInputTests
{
    private static void AssertNothingTaken(Machine machine, Page[] pages, int[] refCounts, ulong address)
    {
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
        Assert.All(pages, p => Assert.True(p.IsNull));
        for (var i = 0; i < refCounts.Length; i++)
        {
            Assert.True(machine.Mm.TryGetMappedPage(address + (ulong)(i * Machine.Page), out var page));
            Assert.Equal(refCounts[i], page.RefCount);
        }
    }

    private static int[] RefCounts(Machine machine, ulong address, int count) =>
        [.. Enumerable.Range(0, count).Select(i => machine.Mm.TryGetMappedPage(address + (ulong)(i * Machine.Page), out var p) ? p.RefCount : -1)];

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    [InlineData(1L << 40)]
    public void Negative_or_huge_counts_are_EINVAL(long nrPages)
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var refs = RefCounts(machine, address, 2);
        var pages = new Page[2];
        using (machine.Mm.MmapReadLock())
        {
            Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPages(machine.Mm, address, nrPages, GupFlags.None, pages));
            Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPages(machine.Mm, address, nrPages, GupFlags.None, pages));
        }

        Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPagesUnlocked(machine.Mm, address, nrPages, GupFlags.None, pages));
        AssertNothingTaken(machine, pages, refs, address);
    }

    [Fact]
    public void A_negative_count_is_EINVAL_for_the_fast_variants()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var refs = RefCounts(machine, address, 1);
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPagesFast(machine.Mm, address, -1, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPagesFastOnly(machine.Mm, address, int.MinValue, GupFlags.None, pages));
        AssertNothingTaken(machine, pages, refs, address);
    }

    [Fact]
    public void A_pages_span_shorter_than_nr_pages_is_EINVAL()
    {
        using var machine = new Machine();
        var address = machine.Anon(4);
        var refs = RefCounts(machine, address, 4);
        var pages = new Page[2];
        Assert.Equal(-(int)Errno.EINVAL, machine.Pin(address, 4, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPagesFast(machine.Mm, address, 4, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPagesUnlocked(machine.Mm, address, 4, GupFlags.None, new GotPage[3]));
        AssertNothingTaken(machine, pages, refs, address);
    }

    [Fact]
    public void An_unaligned_start_is_EINVAL()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var refs = RefCounts(machine, address, 2);
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EINVAL, machine.Pin(address + 1, 1, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EINVAL, Gup.PinUserPagesFast(machine.Mm, address + 100, 1, GupFlags.None, pages));
        AssertNothingTaken(machine, pages, refs, address);
    }

    [Fact]
    public void A_wrapping_range_is_EOVERFLOW_for_fast_and_EINVAL_for_slow_and_past_task_size_is_EFAULT()
    {
        using var machine = new Machine();
        var pages = new Page[4];
        var nearTop = ulong.MaxValue & ~(ulong)(Machine.Page - 1);
        Assert.Equal(-(int)Errno.EOVERFLOW, Gup.PinUserPagesFast(machine.Mm, nearTop, 4, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EINVAL, machine.Pin(nearTop, 4, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, AddressSpace.TaskSize - (ulong)Machine.Page, 4, GupFlags.None, pages));
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
    }

    [Fact]
    public void An_unmapped_first_page_is_EFAULT_and_an_unmapped_later_page_is_a_partial_count()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[3];
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(address - (ulong)Machine.Page, 3, GupFlags.None, pages));
        Assert.Equal(1, machine.Pin(address, 3, GupFlags.None, pages));
        Gup.UnpinUserPage(pages[0]);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void A_write_pin_of_a_read_only_vma_is_EFAULT_without_force()
    {
        using var machine = new Machine();
        var address = machine.Mm.Mmap((ulong)Machine.Page, Protection.Read, VmaKind.AnonymousPrivate);
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(address, 1, GupFlags.Write, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.Write, pages));
        Assert.True(pages[0].IsNull);
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.Write | GupFlags.Force, pages));
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void An_address_space_used_after_dispose_throws_ObjectDisposedException()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        machine.Mm.Dispose();
        var pages = new Page[1];
        Assert.Throws<ObjectDisposedException>(() => Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Throws<ObjectDisposedException>(() => Gup.PinUserPagesUnlocked(machine.Mm, address, 1, GupFlags.None, pages));
        Assert.Throws<ObjectDisposedException>(() => machine.Mm.MmapReadLock());
        Assert.Throws<ObjectDisposedException>(() => machine.Mm.Mmap(4096, Protection.Read, VmaKind.AnonymousPrivate));
        Assert.Throws<ObjectDisposedException>(() => machine.Mm.Read(address, new byte[1]));
        Assert.Throws<ArgumentNullException>(() => Gup.PinUserPagesFast(null!, address, 1, GupFlags.None, pages));
    }
}
