namespace PinApi.Tests;

/// <summary>KERNEL.md §2.3: return values, partial results (I4), and the gup-fast partial-count rule.</summary>
public class ReturnValueTests
{
    [Fact]
    public void Zero_pages_returns_zero_and_takes_nothing()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        Assert.Equal(0, machine.Pin(address, 0, GupFlags.None, []));
        Assert.Equal(0, Gup.GetUserPagesFast(machine.Mm, address, 0, GupFlags.None, Array.Empty<Page>()));
    }

    [Fact]
    public void I4_a_fault_on_a_later_page_returns_the_pages_taken_so_far()
    {
        using var machine = new Machine();
        var address = machine.Anon(3);

        // The page after the mapping is a guard gap: nothing is mapped there.
        var pages = new Page[5];
        var taken = machine.Pin(address, 5, GupFlags.Write, pages);
        Assert.Equal(3, taken);
        Assert.All(pages[..3], p => Assert.True(Gup.PageMaybeDmaPinned(p)));
        Assert.All(pages[3..], p => Assert.True(p.IsNull));
        Assert.Equal(3, machine.Memory.VmStat.OutstandingPins);
        Gup.UnpinUserPages(pages.AsSpan(0, (int)taken));
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }

    [Fact]
    public void I4_a_fault_on_the_first_page_returns_EFAULT_and_takes_nothing()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[2];
        var unmapped = address + (ulong)(16 * Machine.Page);
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(unmapped, 2, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.PinUserPagesFast(machine.Mm, unmapped, 2, GupFlags.None, pages));
        Assert.Equal(-(int)Errno.EFAULT, Gup.GetUserPagesUnlocked(machine.Mm, unmapped, 2, GupFlags.None, pages));
        Assert.All(pages, p => Assert.True(p.IsNull));
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
    }

    [Fact]
    public void Gup_fast_returns_the_partial_count_rather_than_the_slow_paths_error()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        var pages = new Page[4];
        Assert.Equal(2, Gup.PinUserPagesFast(machine.Mm, address, 4, GupFlags.None, pages));
        Gup.UnpinUserPages(pages.AsSpan(0, 2));
    }

    [Fact]
    public void Gup_fast_faults_in_untouched_pages_through_its_slow_fallback()
    {
        using var machine = new Machine();
        var address = machine.Anon(4, touch: false);
        var pages = new Page[4];
        Assert.Equal(4, Gup.PinUserPagesFast(machine.Mm, address, 4, GupFlags.Write, pages));
        Assert.All(pages, p => Assert.False(p.IsZeroPage));
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void Fast_only_never_faults_and_may_return_zero()
    {
        using var machine = new Machine();
        var address = machine.Anon(4, touch: false);
        var pages = new Page[4];
        Assert.Equal(0, Gup.PinUserPagesFastOnly(machine.Mm, address, 4, GupFlags.Write, pages));
        Assert.Equal(0, machine.Mm.Fill(address, 2 * Machine.Page, 7));
        Assert.Equal(2, Gup.PinUserPagesFastOnly(machine.Mm, address, 4, GupFlags.Write, pages));
        Gup.UnpinUserPages(pages.AsSpan(0, 2));
    }

    [Fact]
    public void Nowait_returns_what_it_has_when_a_page_needs_disk_io()
    {
        using var machine = new Machine();
        using var file = machine.File(4);
        var address = machine.Mm.Mmap((ulong)(4 * Machine.Page), Protection.Read, VmaKind.FileShared, file);
        var buffer = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address, buffer));
        var pages = new Page[4];
        Assert.Equal(1, machine.Get(address, 4, GupFlags.Nowait, pages));
        Gup.PutPage(pages[0]);
        Assert.Equal(0, machine.Get(address + (ulong)Machine.Page, 3, GupFlags.Nowait, pages));
    }

    [Fact]
    public void Nofault_gives_EFAULT_where_a_fault_would_be_needed()
    {
        using var machine = new Machine();
        var address = machine.Anon(2, touch: false);
        Assert.Equal(-(int)Errno.EFAULT, machine.Pin(address, 2, GupFlags.Nofault | GupFlags.Write, new Page[2]));
        Assert.Equal(0, machine.Mm.Fill(address, Machine.Page, 1));
        var pages = new Page[2];
        Assert.Equal(1, machine.Pin(address, 2, GupFlags.Nofault | GupFlags.Write, pages));
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Dump_refuses_holes_of_anonymous_memory()
    {
        using var machine = new Machine();
        var address = machine.Anon(2, touch: false);
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(address, 1, GupFlags.Dump, new Page[1]));
        var buffer = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address, buffer));
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(address, 1, GupFlags.Dump, new Page[1]));
    }

    [Fact]
    public void Hwpoison_reports_a_poisoned_page_as_EHWPOISON_and_EFAULT_without_the_flag()
    {
        using var machine = new Machine();
        var address = machine.Anon(2);
        Assert.True(machine.Mm.TryGetMappedPage(address, out var page));
        machine.Memory.PoisonPage(page);
        Assert.Equal(-(int)Errno.EHWPOISON, machine.Get(address, 2, GupFlags.Hwpoison, new Page[2]));
        Assert.Equal(-(int)Errno.EFAULT, machine.Get(address, 2, GupFlags.None, new Page[2]));
    }

    [Fact]
    public void The_typed_shapes_return_the_same_pages_as_the_kernel_shape()
    {
        using var machine = new Machine();
        var address = machine.Anon(3);
        var typed = new PinnedPage[3];
        var raw = new Page[3];
        Assert.Equal(3, Gup.PinUserPagesFast(machine.Mm, address, 3, GupFlags.None, typed));
        Assert.Equal(3, Gup.PinUserPagesFast(machine.Mm, address, 3, GupFlags.None, raw));
        Assert.Equal(raw, typed.Select(p => p.Page).ToArray());
        Gup.UnpinUserPages(typed);
        Gup.UnpinUserPages(raw);
        Assert.Equal(0, machine.Memory.VmStat.OutstandingPins);
    }
}
