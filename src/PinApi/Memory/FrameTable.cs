using System.Runtime.InteropServices;

namespace PinApi;

/// <summary>
/// The page-frame metadata as a struct of arrays (<c>struct page</c> split by field): refcount, flags, mapping and
/// index, 16 bytes per 4 KiB frame. The arrays live in zeroed native memory obtained with <c>calloc</c>, which the
/// C library takes straight from the kernel as untouched zero pages, so frames that are never used cost no host
/// memory. The memory is returned by the finalizer only: a <see cref="Page"/> held by any thread keeps its
/// <see cref="PhysicalMemory"/> and so this table alive, so no access can outlive the storage.
/// </summary>
internal sealed unsafe class FrameTable
{
    /// <summary>Bytes of metadata per frame: four 4-byte fields.</summary>
    public const int BytesPerFrame = sizeof(int) + sizeof(uint) + sizeof(int) + sizeof(int);

    private readonly int* refCount;
    private readonly uint* flags;
    private readonly int* mapping;
    private readonly int* index;

    public FrameTable(long frames)
    {
        Frames = frames;
        var n = (nuint)frames;
        refCount = (int*)NativeMemory.AllocZeroed(n, sizeof(int));
        flags = (uint*)NativeMemory.AllocZeroed(n, sizeof(uint));
        mapping = (int*)NativeMemory.AllocZeroed(n, sizeof(int));
        index = (int*)NativeMemory.AllocZeroed(n, sizeof(int));
    }

    ~FrameTable()
    {
        NativeMemory.Free(refCount);
        NativeMemory.Free(flags);
        NativeMemory.Free(mapping);
        NativeMemory.Free(index);
    }

    public long Frames { get; }

    /// <summary>
    /// The refcount array itself, for the GUP and unpin loops that walk many frames per call: they index it without
    /// re-loading the table's fields per frame. The caller keeps this table reachable (GC.KeepAlive) while using it.
    /// </summary>
    public int* RefCounts => refCount;

    /// <summary>The flags array itself (see <see cref="RefCounts"/>).</summary>
    public uint* FlagWords => flags;

    /// <summary>The index array itself (see <see cref="RefCounts"/>); the compound pincount lives at head + 1.</summary>
    public int* Indexes => index;

    /// <summary><c>page->_refcount</c>.</summary>
    public ref int RefCount(long pfn) => ref refCount[pfn];

    /// <summary><c>page->flags</c>.</summary>
    public ref uint Flags(long pfn) => ref flags[pfn];

    /// <summary><c>page->mapping</c>: an id in <see cref="MappingRegistry"/> (0 = none).</summary>
    public ref int Mapping(long pfn) => ref mapping[pfn];

    /// <summary>
    /// <c>page->index</c>: the file page index or the anonymous virtual page number. On the first tail page of a
    /// compound page it holds the compound pincount, as the kernel keeps <c>_pincount</c> in page[1].
    /// </summary>
    public ref int Index(long pfn) => ref index[pfn];
}
