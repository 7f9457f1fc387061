namespace PinApi;

/// <summary>
/// The part of an access that falls in one page: an access of <c>length</c> bytes at <c>start</c> touches a run of
/// pages, and each chunk says where in the access (<see cref="Done"/>) and where in its page it is.
/// </summary>
internal readonly record struct PageChunk(ulong Address, int Done, int Count)
{
    /// <summary>The page's index, counted from address 0 (a frame index in a DMA range, a page number in an mm).</summary>
    public long PageIndex => (long)(Address >> PhysicalMemory.PageShift);

    public int OffsetInPage => (int)(Address & (PhysicalMemory.PageSize - 1));

    /// <summary>Splits <paramref name="length"/> bytes at <paramref name="start"/> at page boundaries.</summary>
    public static IEnumerable<PageChunk> Split(ulong start, int length)
    {
        for (var done = 0; done < length;)
        {
            var at = start + (ulong)done;
            var count = (int)Math.Min((ulong)(length - done), PhysicalMemory.PageSize - (at & (PhysicalMemory.PageSize - 1)));
            yield return new PageChunk(at, done, count);
            done += count;
        }
    }
}
