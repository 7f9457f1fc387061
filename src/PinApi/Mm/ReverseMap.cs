namespace PinApi;

/// <summary>
/// The reverse map (rmap): from a frame to the page-table entries that map it. Anonymous pages find theirs
/// through their address space and virtual page number, file pages through the VMAs that map their page cache.
/// </summary>
internal static class ReverseMap
{
    /// <summary>A page-table slot that maps a frame: a PTE, or a huge PMD leaf that maps a whole compound page.</summary>
    internal readonly record struct PteSlot(Vma Vma, int Slot, bool IsPmd)
    {
        public ref long Entry => ref IsPmd ? ref Vma.Pmds[Slot] : ref Vma.Ptes[Slot];

        /// <summary>The references the mapping holds on its folio: one per subpage it maps.</summary>
        public int References => IsPmd ? PhysicalMemory.HugePageFrames : 1;
    }

    /// <summary>
    /// Every page-table entry that maps a frame of the folio at <paramref name="head"/>: its huge PMD leaf, or one
    /// PTE per mapped subpage.
    /// </summary>
    public static List<PteSlot> MappingsOf(PhysicalMemory memory, long head)
    {
        var result = new List<PteSlot>();
        var frames = memory.IsLarge(head) ? PhysicalMemory.HugePageFrames : 1;
        var owner = memory.Mappings.Get(memory.Frames.Mapping(head));
        switch (owner)
        {
            case AddressSpace mm:
                var firstVpn = (ulong)(uint)memory.Frames.Index(head);
                if (frames > 1 && mm.FindVmaUnlocked(firstVpn << PhysicalMemory.PageShift) is { } blockVma)
                {
                    var block = firstVpn << PhysicalMemory.PageShift;
                    var pmd = Volatile.Read(ref blockVma.PmdAt(block));
                    if (Pte.IsHuge(pmd))
                    {
                        if (Pte.IsPresent(pmd) && Pte.PfnOf(pmd) == head)
                        {
                            result.Add(new PteSlot(blockVma, blockVma.PmdIndex(block), IsPmd: true));
                        }

                        break;
                    }
                }

                for (var i = 0; i < frames; i++)
                {
                    var address = (firstVpn + (ulong)i) << PhysicalMemory.PageShift;
                    var vma = mm.FindVmaUnlocked(address);
                    if (vma is not null)
                    {
                        AddIfMaps(result, vma, address, head + i);
                    }
                }

                break;
            case PageCache cache:
                var index = (long)(uint)memory.Frames.Index(head);
                foreach (var vma in cache.Mappers())
                {
                    if (index < vma.PageOffset)
                    {
                        continue;
                    }

                    var address = vma.Start + ((ulong)(index - vma.PageOffset) << PhysicalMemory.PageShift);
                    if (vma.Contains(address))
                    {
                        AddIfMaps(result, vma, address, head);
                    }
                }

                break;
        }

        return result;
    }

    /// <summary>
    /// <c>page_mkclean()</c> for one file page: clears the write and dirty bits of every shared PTE mapping it, so
    /// the next write faults and notifies the filesystem.
    /// </summary>
    public static void WriteProtectFilePage(PageCache cache, long index, long pfn)
    {
        foreach (var vma in cache.Mappers())
        {
            if (vma.Kind != VmaKind.FileShared || index < vma.PageOffset)
            {
                continue;
            }

            var address = vma.Start + ((ulong)(index - vma.PageOffset) << PhysicalMemory.PageShift);
            if (!vma.Contains(address))
            {
                continue;
            }

            ref var entry = ref vma.PteAt(address);
            var old = Volatile.Read(ref entry);
            while (Pte.IsPresent(old) && Pte.PfnOf(old) == pfn && (old & (Pte.Write | Pte.Dirty)) != 0)
            {
                var seen = Interlocked.CompareExchange(ref entry, old & ~(Pte.Write | Pte.Dirty), old);
                if (seen == old)
                {
                    break;
                }

                old = seen;
            }
        }
    }

    private static void AddIfMaps(List<PteSlot> result, Vma vma, ulong address, long pfn)
    {
        if (Pte.IsHuge(Volatile.Read(ref vma.PmdAt(address))))
        {
            // Mapped by a huge leaf, which maps another folio than this small one.
            return;
        }

        var slot = (int)((address - vma.Start) >> PhysicalMemory.PageShift);
        var entry = Volatile.Read(ref vma.Ptes[slot]);
        if (Pte.IsPresent(entry) && !Pte.IsSpecial(entry) && Pte.PfnOf(entry) == pfn)
        {
            result.Add(new PteSlot(vma, slot, IsPmd: false));
        }
    }
}
