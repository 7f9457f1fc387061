namespace PinApi.Tests;


/// <summary>KERNEL.md §3.3: <c>is_valid_gup_args()</c>, step by step, and the gup-fast flag whitelist.</summary>
public class ValidGupArgsTests
{
    private static readonly int EINVAL = -(int)Errno.EINVAL;

    [Theory]
    [InlineData(GupFlags.Pin)]
    [InlineData(GupFlags.Touch)]
    [InlineData(GupFlags.Tried)]
    [InlineData(GupFlags.Remote)]
    [InlineData(GupFlags.FastOnly)]
    [InlineData(GupFlags.Unlockable)]
    [InlineData(GupFlags.MadvPopulate)]
    public void Step1_internal_flags_from_a_caller_are_rejected_by_every_entry_point(GupFlags internalFlag)
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(EINVAL, machine.Get(address, 1, internalFlag, pages));
        Assert.Equal(EINVAL, machine.Pin(address, 1, internalFlag, pages));
        Assert.Equal(EINVAL, Gup.PinUserPagesFast(machine.Mm, address, 1, internalFlag, pages));
        Assert.Equal(EINVAL, Gup.GetUserPagesFast(machine.Mm, address, 1, internalFlag, pages));
        Assert.Equal(EINVAL, Gup.PinUserPagesUnlocked(machine.Mm, address, 1, internalFlag, pages));
        Assert.All(pages, p => Assert.True(p.IsNull));
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
    }

    [Fact]
    public void Step3_locked_must_be_true_on_entry()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        using var _ = machine.Mm.MmapReadLock();
        var locked = false;
        Assert.Equal(EINVAL, Gup.PinUserPagesRemote(machine.Mm, address, 1, GupFlags.None, pages, ref locked));
        Assert.Equal(EINVAL, Gup.GetUserPagesRemote(machine.Mm, address, 1, GupFlags.None, pages, ref locked));
        locked = true;
        Assert.Equal(1, Gup.PinUserPagesRemote(machine.Mm, address, 1, GupFlags.None, pages, ref locked));
        Assert.True(locked);
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Step4_FOLL_GET_with_a_pin_call_is_rejected_as_mutually_exclusive()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(EINVAL, machine.Pin(address, 1, GupFlags.Get, pages));
        Assert.Equal(EINVAL, Gup.PinUserPagesFast(machine.Mm, address, 1, GupFlags.Get, pages));
    }

    [Fact]
    public void Step4_FOLL_GET_with_a_get_call_is_what_get_sets_anyway_and_is_accepted()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, machine.Get(address, 1, GupFlags.Get, pages));
        Gup.PutPage(pages[0]);
    }

    [Fact]
    public void Step5_FOLL_LONGTERM_without_FOLL_PIN_is_rejected()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(EINVAL, machine.Get(address, 1, GupFlags.Longterm, pages));
        Assert.Equal(EINVAL, Gup.GetUserPagesFast(machine.Mm, address, 1, GupFlags.Longterm, pages));
        Assert.Equal(EINVAL, Gup.GetUserPagesUnlocked(machine.Mm, address, 1, GupFlags.Longterm, pages));
        Assert.Equal(1, machine.Pin(address, 1, GupFlags.Longterm, pages));
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void Step6_pages_are_required_with_a_reference_but_get_without_pages_only_faults_in()
    {
        using var machine = new Machine();
        var address = machine.Anon(2, touch: false);
        using (machine.Mm.MmapReadLock())
        {
            Assert.Equal(2, Gup.GetUserPages(machine.Mm, address, 2, GupFlags.Write));
        }

        Assert.True(machine.Mm.TryGetMappedPage(address + (ulong)Machine.Page, out var page));
        Assert.False(page.IsZeroPage);
        Assert.Equal(1, page.RefCount);
    }

    [Fact]
    public void Step7_FOLL_LONGTERM_with_FOLL_PCI_P2PDMA_is_rejected()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        Assert.Equal(EINVAL, machine.Pin(address, 1, GupFlags.Longterm | GupFlags.PciP2pdma, new Page[1]));
    }

    [Theory]
    [InlineData(GupFlags.Nowait)]
    [InlineData(GupFlags.Dump)]
    [InlineData(GupFlags.Hwpoison)]
    [InlineData(GupFlags.Anon)]
    [InlineData(GupFlags.SplitPmd)]
    [InlineData(GupFlags.Interruptible)]
    public void Fast_variants_reject_flags_outside_the_gup_fast_whitelist(GupFlags flag)
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(EINVAL, Gup.GetUserPagesFast(machine.Mm, address, 1, flag, pages));
        Assert.Equal(EINVAL, Gup.PinUserPagesFast(machine.Mm, address, 1, flag, pages));
        Assert.Equal(EINVAL, Gup.PinUserPagesFastOnly(machine.Mm, address, 1, flag, pages));
    }

    [Theory]
    [InlineData(GupFlags.Write)]
    [InlineData(GupFlags.Force)]
    [InlineData(GupFlags.Nofault)]
    [InlineData(GupFlags.HonorNumaFault)]
    [InlineData(GupFlags.Write | GupFlags.Longterm)]
    public void Fast_variants_accept_the_whitelisted_flags(GupFlags flags)
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPagesFast(machine.Mm, address, 1, flags, pages));
        Gup.UnpinUserPage(pages[0]);
    }
}
