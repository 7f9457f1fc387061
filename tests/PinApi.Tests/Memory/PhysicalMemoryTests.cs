namespace PinApi.Tests;

public class PhysicalMemoryTests
{
    [Fact]
    public void Frame_metadata_is_16_bytes_per_page()
    {
        Assert.Equal(16, PhysicalMemory.MetadataBytesPerPage);
    }

    [Fact]
    public void Zones_are_laid_out_in_order_and_sized_as_asked()
    {
        using var memory = new PhysicalMemory(100, movablePages: 50, cmaPages: 25, hugePages: 2, devicePages: 10);
        Assert.Equal(100, memory.ZonePages(Zone.Normal));
        Assert.Equal(50, memory.ZonePages(Zone.Movable));
        Assert.Equal(25, memory.ZonePages(Zone.Cma));
        Assert.Equal(10, memory.ZonePages(Zone.Device));
        Assert.Equal(2, memory.HugePagesTotal);
        Assert.Equal(2, memory.HugePagesFree);
        Assert.True(memory.ZeroPage.IsZeroPage);
    }

    [Fact]
    public void A_page_allocated_at_first_touch_reads_zero_and_costs_data_only_when_touched()
    {
        using var machine = new Machine();
        var before = machine.Memory.MaterializedDataBytes();
        var address = machine.Anon(8, touch: false);
        var buffer = new byte[Machine.Page];
        Assert.Equal(0, machine.Mm.Read(address, buffer));
        Assert.All(buffer, b => Assert.Equal(0, b));

        // A read of untouched anonymous memory maps the shared zero page, so no new frame is allocated.
        Assert.True(machine.Mm.TryGetMappedPage(address, out var page));
        Assert.True(page.IsZeroPage);
        Assert.Equal(machine.Memory.ZonePages(Zone.Normal), machine.Memory.FreePages(Zone.Normal));
        Assert.True(machine.Memory.MaterializedDataBytes() - before <= Machine.Page);
    }

    [Fact]
    public void A_64_GiB_machine_that_is_never_touched_allocates_no_page_data()
    {
        using var memory = PhysicalMemory.FromBytes(64L << 30);
        Assert.Equal((64L << 30) / PhysicalMemory.PageSize, memory.ZonePages(Zone.Normal));
        Assert.Equal(0, memory.MaterializedDataBytes());
    }

    [Fact]
    public void Freed_frames_are_reused_and_come_back_zeroed()
    {
        using var machine = new Machine(normalPages: 16, devicePages: 0);
        var address = machine.Anon(4);
        var free = machine.Memory.FreePages(Zone.Normal);
        Assert.Equal(0, machine.Mm.Munmap(address, (ulong)(4 * Machine.Page)));
        Assert.Equal(free + 4, machine.Memory.FreePages(Zone.Normal));

        var again = machine.Mm.Mmap((ulong)(4 * Machine.Page), Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, machine.Mm.Write(again, new byte[] { 1 }));
        var buffer = new byte[Machine.Page];
        Assert.Equal(0, machine.Mm.Read(again, buffer));
        Assert.Equal(1, buffer[0]);
        Assert.All(buffer.Skip(1), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Bad_zone_sizes_and_frame_numbers_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PhysicalMemory(10, movablePages: -1));
        using var memory = new PhysicalMemory(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.PfnToPage(memory.TotalFrames));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.PfnToPage(-1));
    }

    [Fact]
    public void A_disposed_machine_refuses_use()
    {
        var memory = new PhysicalMemory(10);
        memory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.PfnToPage(1));
        Assert.Throws<ObjectDisposedException>(() => new AddressSpace(memory));
    }

    [Fact]
    public void A_page_is_an_unmanaged_8_byte_value_and_the_typed_references_share_its_layout()
    {
        Assert.False(System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<Page>());
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<Page>());
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<PinnedPage>());
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<GotPage>());
        Assert.True(default(Page).IsNull);
        Assert.Null(default(Page).Memory);
    }

    [Fact]
    public void Pages_of_a_disposed_machine_no_longer_resolve_and_say_so()
    {
        var memory = new PhysicalMemory(16);
        var page = memory.PfnToPage(3);
        Assert.Same(memory, page.Memory);
        memory.Dispose();
        Assert.Null(page.Memory);
        Assert.False(page.IsNull);
        Assert.Throws<ObjectDisposedException>(() => page.RefCount);
        Assert.Throws<ObjectDisposedException>(() => Gup.PutPage(page));
        Assert.Contains("disposed", page.ToString());
    }
}
