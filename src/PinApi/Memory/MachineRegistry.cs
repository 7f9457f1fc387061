namespace PinApi;

/// <summary>
/// Gives every <see cref="PhysicalMemory"/> a small id so that a <see cref="Page"/> can name its machine without
/// holding an object reference. That keeps <see cref="Page"/> an unmanaged 8-byte value: storing one into a pages
/// array is a plain store, with no GC write barrier, which is most of what filling a 512-entry array for a huge
/// page cost when pages held a reference. A machine stays registered until it is disposed.
/// </summary>
internal static class MachineRegistry
{
    /// <summary>Ids are never reused, so a page of a disposed machine can never name a newer one.</summary>
    public const int MaxMachines = (1 << Page.MachineBits) - 1;

    private static readonly Lock Gate = new();
    private static PhysicalMemory?[] machines = new PhysicalMemory?[64];
    private static int next = 1;

    public static int Register(PhysicalMemory memory)
    {
        lock (Gate)
        {
            if (next > MaxMachines)
            {
                throw new InvalidOperationException($"At most {MaxMachines} PhysicalMemory instances can be created in one process.");
            }

            var id = next++;
            if (id >= machines.Length)
            {
                var grown = new PhysicalMemory?[Math.Min(machines.Length * 2, MaxMachines + 1)];
                machines.CopyTo(grown, 0);
                Volatile.Write(ref machines, grown);
            }

            machines[id] = memory;
            return id;
        }
    }

    public static void Unregister(int id)
    {
        lock (Gate)
        {
            machines[id] = null;
        }
    }

    public static PhysicalMemory? Get(int id)
    {
        var table = Volatile.Read(ref machines);
        return (uint)id < (uint)table.Length ? table[id] : null;
    }
}
