namespace PinApi.Tests;

/// <summary>
/// Helpers for tests of huge pages mapped at the PMD level: a THP-enabled anonymous region, a look at the PMD that
/// maps an address, and per-page marker bytes that show a page's data survived a split or a migration.
/// </summary>
internal static class HugeMappings
{
    public const int Frames = PhysicalMemory.HugePageFrames;

    public const ulong Size = PhysicalMemory.HugePageSize;

    /// <summary>
    /// Untouched anonymous read-write memory with MADV_HUGEPAGE, large enough to hold <paramref name="blocks"/>
    /// aligned 2 MiB blocks; returns the first of them.
    /// </summary>
    public static ulong ThpBlocks(Machine machine, int blocks = 2)
    {
        var length = (ulong)(blocks + 1) * Size;
        var address = machine.Mm.Mmap(length, Protection.ReadWrite, VmaKind.AnonymousPrivate);
        Assert.Equal(0, machine.Mm.Madvise(address, length, Advice.HugePage));
        return (address + Size - 1) & ~(Size - 1);
    }

    /// <summary>The address of page <paramref name="index"/> of the block at <paramref name="block"/>.</summary>
    public static ulong PageOf(ulong block, int index) => block + ((ulong)index * (ulong)Machine.Page);

    /// <summary>The PMD entry that covers <paramref name="address"/> in the VMA that maps it.</summary>
    public static long PmdAt(Machine machine, ulong address)
    {
        var vma = machine.Mm.FindVma(address);
        Assert.NotNull(vma);
        return Volatile.Read(ref vma.PmdAt(address));
    }

    /// <summary>True when a present huge PMD leaf maps the block of <paramref name="address"/>.</summary>
    public static bool IsPmdMapped(Machine machine, ulong address)
    {
        var pmd = PmdAt(machine, address);
        return Pte.IsHuge(pmd) && Pte.IsPresent(pmd);
    }

    /// <summary>The marker byte page <paramref name="index"/> of a block carries at its offset 0.</summary>
    public static byte Marker(int index) => (byte)((index % 251) + 1);

    /// <summary>Stores each page's marker through the process's own stores (faulting a THP in if the block is empty).</summary>
    public static void WriteMarkers(Machine machine, ulong block)
    {
        for (var i = 0; i < Frames; i++)
        {
            Assert.Equal(0, machine.Mm.Write(PageOf(block, i), [Marker(i)]));
        }
    }

    /// <summary>Reads the byte at <paramref name="address"/> through the process's own loads.</summary>
    public static byte ReadByte(Machine machine, ulong address)
    {
        var buffer = new byte[1];
        Assert.Equal(0, machine.Mm.Read(address, buffer));
        return buffer[0];
    }
}
