namespace PinApi.Tests;

/// <summary>KERNEL.md §4 "Who may pass it" in v5.6, under <see cref="GupSemantics.SeedEra"/>.</summary>
public class SeedEraTests
{
    [Fact]
    public void Mainline_refuses_longterm_get_and_the_seed_era_accepts_it_where_v5_6_did()
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EINVAL, machine.Get(address, 1, GupFlags.Longterm, pages));

        machine.Memory.Semantics = GupSemantics.SeedEra;
        Assert.Equal(1, machine.Get(address, 1, GupFlags.Longterm | GupFlags.Write, pages));
        Assert.Equal(2, pages[0].RefCount);
        Gup.PutPage(pages[0]);
        Assert.Equal(1, Gup.GetUserPagesFast(machine.Mm, address, 1, GupFlags.Longterm, pages));
        Gup.PutPage(pages[0]);
        using (machine.Mm.MmapReadLock())
        {
            Assert.Equal(1, Gup.GetUserPagesRemote(machine.Mm, address, 1, GupFlags.Longterm, pages));
            Gup.PutPage(pages[0]);
            var locked = true;
            Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPagesRemote(machine.Mm, address, 1, GupFlags.Longterm, pages, ref locked));
        }

        Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPagesUnlocked(machine.Mm, address, 1, GupFlags.Longterm, pages));
        Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPagesFastOnly(machine.Mm, address, 1, GupFlags.Longterm, pages));
    }

    [Fact]
    public void The_seed_era_migrates_cma_pages_but_leaves_movable_ones()
    {
        using var cma = new Machine(normalPages: 64, cmaPages: 64);
        cma.Memory.Semantics = GupSemantics.SeedEra;
        var address = cma.Anon(1);
        var pages = new Page[1];
        Assert.Equal(1, cma.Get(address, 1, GupFlags.Longterm, pages));
        Assert.Equal(Zone.Normal, pages[0].Zone);
        Gup.PutPage(pages[0]);

        using var movable = new Machine(normalPages: 64, movablePages: 64);
        movable.Memory.Semantics = GupSemantics.SeedEra;
        address = movable.Anon(1);
        Assert.Equal(1, movable.Pin(address, 1, GupFlags.Longterm, pages));
        Assert.Equal(Zone.Movable, pages[0].Zone);
        Gup.UnpinUserPage(pages[0]);
    }

    [Fact]
    public void A_failed_cma_migration_falls_back_to_pinning_in_place_in_the_seed_era_only()
    {
        foreach (var semantics in new[] { GupSemantics.SeedEra, GupSemantics.Mainline })
        {
            using var machine = new Machine(normalPages: 64, cmaPages: 64);
            machine.Memory.Semantics = semantics;
            var address = machine.Anon(1);
            var holder = new Page[1];
            Assert.Equal(1, machine.Get(address, 1, GupFlags.None, holder));
            var pages = new Page[1];
            var rc = machine.Pin(address, 1, GupFlags.Longterm, pages);
            if (semantics == GupSemantics.SeedEra)
            {
                Assert.Equal(1, rc);
                Assert.Equal(Zone.Cma, pages[0].Zone);
                Gup.UnpinUserPage(pages[0]);
            }
            else
            {
                Assert.Equal(-(int)Errno.ENOMEM, rc);
            }

            Gup.PutPage(holder[0]);
        }
    }

    [Fact]
    public void The_seed_era_still_refuses_longterm_on_fs_dax()
    {
        using var machine = new Machine(devicePages: 16);
        machine.Memory.Semantics = GupSemantics.SeedEra;
        using var file = machine.File(1, dax: true);
        var address = machine.Mm.Mmap((ulong)Machine.Page, Protection.ReadWrite, VmaKind.FsDax, file);
        Assert.Equal(-(int)Errno.EOPNOTSUPP, machine.Get(address, 1, GupFlags.Longterm, new Page[1]));
    }
}
