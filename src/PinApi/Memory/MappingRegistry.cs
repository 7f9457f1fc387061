namespace PinApi;

/// <summary>
/// Gives owners of pages (address spaces for anonymous pages, page caches for file pages) a small integer id, so
/// that the frame table stores 4 bytes for <c>page->mapping</c> instead of an object reference.
/// </summary>
internal sealed class MappingRegistry
{
    private readonly Lock gate = new();
    private readonly Stack<int> freeIds = new();
    private object?[] owners = new object?[16];
    private int next = 1;

    public int Register(object owner)
    {
        lock (gate)
        {
            var id = freeIds.Count > 0 ? freeIds.Pop() : next++;
            if (id >= owners.Length)
            {
                var grown = new object?[owners.Length * 2];
                owners.CopyTo(grown, 0);
                Volatile.Write(ref owners, grown);
            }

            owners[id] = owner;
            return id;
        }
    }

    public void Unregister(int id)
    {
        lock (gate)
        {
            owners[id] = null;
            freeIds.Push(id);
        }
    }

    public object? Get(int id)
    {
        var table = Volatile.Read(ref owners);
        return id > 0 && id < table.Length ? Volatile.Read(ref table[id]) : null;
    }
}
