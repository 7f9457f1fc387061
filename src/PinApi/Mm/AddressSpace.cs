namespace PinApi;

/// <summary>
/// A process address space (<c>mm_struct</c>): VMAs with their page tables over a <see cref="PhysicalMemory"/>,
/// the mmap lock, page faults (first touch, COW, write-notify) and the process's own loads and stores. Pages come
/// into existence on first touch, as in the kernel.
/// </summary>
public sealed partial class AddressSpace : IDisposable
{
    /// <summary>
    /// The highest user address plus one. 8 TiB rather than x86-64's 128 TiB: anonymous pages record their virtual
    /// page number in the 32-bit <c>page->index</c> of the frame table.
    /// </summary>
    public const ulong TaskSize = 1UL << 43;

    private const ulong MmapBase = 0x1000_0000;

    private readonly ReaderWriterLockSlim mmapLock = new(LockRecursionPolicy.NoRecursion);

    // The page-table lock of huge PMDs (pmd_lock): serialises splits of a huge PMD into PTEs, which GUP's
    // FOLL_SPLIT_PMD does under the mmap read lock.
    private readonly Lock pmdLock = new();
    private Vma[] vmas = [];
    private ulong nextAddress = MmapBase;
    private long lockedVm;
    private long pinnedVm;
    private volatile bool hasPinned;
    private volatile bool disposed;

    public AddressSpace(PhysicalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        memory.ThrowIfDisposed();
        Memory = memory;
        Id = memory.Mappings.Register(this);
    }

    public PhysicalMemory Memory { get; }

    /// <summary>The VMAs, in address order (a snapshot).</summary>
    public IReadOnlyList<Vma> Vmas => Volatile.Read(ref vmas);

    /// <summary>MMF_HAS_PINNED: set by the first FOLL_PIN on this mm and never cleared.</summary>
    public bool HasPinned => hasPinned;

    /// <summary><c>mm->locked_vm</c> in pages (vfio's accounting).</summary>
    public long LockedVm => Volatile.Read(ref lockedVm);

    /// <summary><c>mm->pinned_vm</c> in pages (RDMA's accounting).</summary>
    public long PinnedVm => Volatile.Read(ref pinnedVm);

    /// <summary>RLIMIT_MEMLOCK in bytes; the accounting helpers refuse to go past it.</summary>
    public ulong RlimitMemlock { get; set; } = ulong.MaxValue;

    /// <summary>True while the current thread holds the mmap lock (read or write).</summary>
    public bool IsMmapLockHeld => mmapLock.IsReadLockHeld || mmapLock.IsWriteLockHeld;

    internal int Id { get; }

    /// <summary><c>mmap_read_lock()</c>. Dispose the result to unlock.</summary>
    public MmapLock MmapReadLock()
    {
        ThrowIfDisposed();
        ThrowIfHeld("mmap_read_lock");
        mmapLock.EnterReadLock();
        return new MmapLock(mmapLock, write: false);
    }

    /// <summary><c>mmap_write_lock()</c>. Dispose the result to unlock.</summary>
    public MmapLock MmapWriteLock()
    {
        ThrowIfDisposed();
        ThrowIfHeld("mmap_write_lock");
        mmapLock.EnterWriteLock();
        return new MmapLock(mmapLock, write: true);
    }

    /// <summary>
    /// Maps <paramref name="length"/> bytes (rounded up to pages, or to 2 MiB for hugetlb) and returns the address.
    /// File kinds need <paramref name="file"/>; <paramref name="address"/> 0 lets the kernel choose, otherwise the
    /// range must be free (MAP_FIXED_NOREPLACE).
    /// </summary>
    public ulong Mmap(ulong length, Protection protection, VmaKind kind, BackingFile? file = null, long fileOffset = 0, ulong address = 0)
    {
        ThrowIfDisposed();
        var granule = kind == VmaKind.Hugetlb ? (ulong)PhysicalMemory.HugePageSize : PhysicalMemory.PageSize;
        if (length == 0 || length > TaskSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "mmap length must be between one byte and TaskSize.");
        }

        length = (length + granule - 1) & ~(granule - 1);
        ValidateBacking(kind, file, fileOffset);
        if (address % granule != 0)
        {
            throw new ArgumentException($"mmap address 0x{address:x} is not aligned to 0x{granule:x}.", nameof(address));
        }

        using (MmapWriteLock())
        {
            var start = address != 0 ? address : FindFreeRange(length, granule);
            if (start + length > TaskSize || start + length < start)
            {
                throw new ArgumentOutOfRangeException(nameof(address), $"0x{start:x}+0x{length:x} is beyond TaskSize.");
            }

            if (Overlaps(start, start + length))
            {
                throw new ArgumentException($"0x{start:x}-0x{start + length:x} overlaps an existing mapping.", nameof(address));
            }

            var flags = VmFlagsFor(kind, protection);
            var cache = kind switch
            {
                VmaKind.FileShared or VmaKind.FilePrivate or VmaKind.FsDax => file!.Cache,
                VmaKind.Shmem => new PageCache(Memory, file: null, dax: false),
                _ => null,
            };
            var ptes = new long[length >> PhysicalMemory.PageShift];
            var pmds = new long[Vma.PmdCount(start, start + length)];
            var vma = new Vma(this, start, start + length, kind, protection, flags, cache, fileOffset / PhysicalMemory.PageSize, ptes, pmds);
            if (kind == VmaKind.Device)
            {
                PopulateDevice(vma);
            }

            cache?.AddMapper(vma);
            InsertVma(vma);
            return start;
        }
    }

    /// <summary>Unmaps a range (splitting VMAs at its edges); 0 or -EINVAL.</summary>
    public int Munmap(ulong start, ulong length)
    {
        ThrowIfDisposed();
        if (!IsValidRange(start, length))
        {
            return -(int)Errno.EINVAL;
        }

        var end = start + ((length + PhysicalMemory.PageSize - 1) & ~(ulong)(PhysicalMemory.PageSize - 1));
        using (MmapWriteLock())
        {
            RemoveRange(start, end);
        }

        return 0;
    }

    /// <summary>Changes the protection of a mapped range (<c>mprotect</c>); 0, -EINVAL, -ENOMEM (unmapped) or -EACCES.</summary>
    public int Mprotect(ulong start, ulong length, Protection protection) => UpdateRange(start, length, vma =>
    {
        if ((protection & Protection.Write) != 0 && (vma.Flags & VmFlags.MayWrite) == 0)
        {
            return -(int)Errno.EACCES;
        }

        vma.Protection = protection;
        vma.Flags = (vma.Flags & ~(VmFlags.Read | VmFlags.Write | VmFlags.Exec)) | ProtectionFlags(protection);
        if ((protection & Protection.Write) == 0)
        {
            for (var i = 0; i < vma.Ptes.Length; i++)
            {
                ClearPteBits(ref vma.Ptes[i], Pte.Write);
            }

            // Huge leaves too (a table pointer is not present and is left alone).
            for (var i = 0; i < vma.Pmds.Length; i++)
            {
                ClearPteBits(ref vma.Pmds[i], Pte.Write);
            }
        }

        return 0;
    });

    /// <summary><c>madvise()</c> for the advice of <see cref="Advice"/>; 0, -EINVAL or -ENOMEM (unmapped).</summary>
    public int Madvise(ulong start, ulong length, Advice advice) => UpdateRange(start, length, vma =>
    {
        switch (advice)
        {
            case Advice.HugePage:
                vma.Flags |= VmFlags.HugePage;
                break;
            case Advice.NoHugePage:
                vma.Flags &= ~VmFlags.HugePage;
                break;
            case Advice.DontNeed:
                if (vma.Kind is VmaKind.Device or VmaKind.Hugetlb)
                {
                    return -(int)Errno.EINVAL;
                }

                for (var i = 0; i < vma.Ptes.Length; i++)
                {
                    ZapPte(ref vma.Ptes[i]);
                }

                // A THP mapped by a PMD goes with its whole block (the VMA was split at the range's edges, which
                // split any huge PMD straddling them into PTEs first). PTE tables stay, as the kernel's do.
                for (var i = 0; i < vma.Pmds.Length; i++)
                {
                    ZapPmd(ref vma.Pmds[i], freeTable: false);
                }

                break;
        }

        return 0;
    });

    /// <summary>The VMA containing <paramref name="address"/>, or null.</summary>
    public Vma? FindVma(ulong address)
    {
        ThrowIfDisposed();
        return FindVmaUnlocked(address);
    }

    /// <summary>The page currently mapped at <paramref name="address"/> (no fault), or false when none is.</summary>
    public bool TryGetMappedPage(ulong address, out Page page)
    {
        ThrowIfDisposed();
        page = default;
        var vma = FindVmaUnlocked(address);
        if (vma is null)
        {
            return false;
        }

        var entry = vma.ReadEntry(address);
        if (!Pte.IsPresent(entry))
        {
            return false;
        }

        page = new Page(Memory, Pte.PfnOf(entry));
        return true;
    }

    /// <summary>Writes back the dirty pages of every file mapped in this address space (<c>msync</c> of all of them).</summary>
    public WritebackResult Writeback(WritebackPolicy policy)
    {
        ThrowIfDisposed();
        var result = default(WritebackResult);
        foreach (var file in Volatile.Read(ref vmas).Select(v => v.Cache?.File).OfType<BackingFile>().Distinct())
        {
            result += file.Writeback(policy);
        }

        return result;
    }

    /// <summary><c>account_locked_vm()</c>: charges or uncharges <c>locked_vm</c>; -ENOMEM past RLIMIT_MEMLOCK.</summary>
    public int AccountLockedVm(long pages, bool increment) => Account(ref lockedVm, pages, increment);

    /// <summary>Charges or uncharges <c>pinned_vm</c> against RLIMIT_MEMLOCK, as RDMA drivers do; -ENOMEM past it.</summary>
    public int AccountPinnedVm(long pages, bool increment) => Account(ref pinnedVm, pages, increment);

    /// <summary>Unmaps everything. Pages still pinned or referenced through GUP outlive the address space.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        mmapLock.EnterWriteLock();
        try
        {
            RemoveRange(0, TaskSize);
            disposed = true;
        }
        finally
        {
            mmapLock.ExitWriteLock();
        }

        Memory.Mappings.Unregister(Id);
    }

    internal void MarkPinned()
    {
        // MMF_HAS_PINNED is set once and never cleared: read before writing, so that the pin paths do not store
        // into this shared object on every call.
        if (!hasPinned)
        {
            hasPinned = true;
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    internal ReaderWriterLockSlim Lock => mmapLock;

    /// <summary>The VMA containing the address, read without the mmap lock (the array is replaced, never mutated).</summary>
    internal Vma? FindVmaUnlocked(ulong address)
    {
        var list = Volatile.Read(ref vmas);
        int lo = 0, hi = list.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var vma = list[mid];
            if (address < vma.Start)
            {
                hi = mid - 1;
            }
            else if (address >= vma.End)
            {
                lo = mid + 1;
            }
            else
            {
                return vma;
            }
        }

        return null;
    }

    /// <summary>
    /// The common frame of mprotect and madvise: validate, take the write lock, require the range to be mapped,
    /// split VMAs at its edges and apply <paramref name="apply"/> to each VMA inside it; the first error stops.
    /// </summary>
    private int UpdateRange(ulong start, ulong length, Func<Vma, int> apply)
    {
        ThrowIfDisposed();
        if (!IsValidRange(start, length))
        {
            return -(int)Errno.EINVAL;
        }

        var end = start + ((length + PhysicalMemory.PageSize - 1) & ~(ulong)(PhysicalMemory.PageSize - 1));
        using (MmapWriteLock())
        {
            if (!IsFullyMapped(start, end))
            {
                return -(int)Errno.ENOMEM;
            }

            SplitAt(start);
            SplitAt(end);
            foreach (var vma in Volatile.Read(ref vmas))
            {
                if (vma.End <= start || vma.Start >= end)
                {
                    continue;
                }

                var rc = apply(vma);
                if (rc != 0)
                {
                    return rc;
                }
            }
        }

        return 0;
    }

    internal static bool IsValidRange(ulong start, ulong length) =>
        start % PhysicalMemory.PageSize == 0 && length > 0 && start + length > start && start + length <= TaskSize;

    private static VmFlags ProtectionFlags(Protection protection) =>
        ((protection & Protection.Read) != 0 ? VmFlags.Read : 0) |
        ((protection & Protection.Write) != 0 ? VmFlags.Write : 0) |
        ((protection & Protection.Exec) != 0 ? VmFlags.Exec : 0);

    private static VmFlags VmFlagsFor(VmaKind kind, Protection protection)
    {
        var flags = ProtectionFlags(protection) | VmFlags.MayRead | VmFlags.MayWrite;
        return kind switch
        {
            VmaKind.FileShared or VmaKind.Shmem or VmaKind.FsDax => flags | VmFlags.Shared,
            VmaKind.Hugetlb => flags | VmFlags.Hugetlb,
            VmaKind.Device => flags | VmFlags.Shared | VmFlags.Io | VmFlags.PfnMap,
            _ => flags,
        };
    }

    private static void ValidateBacking(VmaKind kind, BackingFile? file, long fileOffset)
    {
        var needsFile = kind is VmaKind.FileShared or VmaKind.FilePrivate or VmaKind.FsDax;
        if (needsFile && file is null)
        {
            throw new ArgumentNullException(nameof(file), $"A {kind} mapping needs a file.");
        }

        if (!needsFile && file is not null)
        {
            throw new ArgumentException($"A {kind} mapping takes no file.", nameof(file));
        }

        if (file is not null && file.IsDax != (kind == VmaKind.FsDax))
        {
            throw new ArgumentException(file.IsDax ? "A file on fs-DAX is mapped with VmaKind.FsDax." : "VmaKind.FsDax needs a file created with dax: true.", nameof(kind));
        }

        if (fileOffset < 0 || fileOffset % PhysicalMemory.PageSize != 0)
        {
            throw new ArgumentException("The file offset must be a non-negative multiple of the page size.", nameof(fileOffset));
        }
    }

    private static void ClearPteBits(ref long entry, long bits)
    {
        var old = Volatile.Read(ref entry);
        while (Pte.IsPresent(old) && (old & bits) != 0)
        {
            var seen = Interlocked.CompareExchange(ref entry, old & ~bits, old);
            if (seen == old)
            {
                return;
            }

            old = seen;
        }
    }

    private int Account(ref long counter, long pages, bool increment)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(pages);
        if (!increment)
        {
            var after = Interlocked.Add(ref counter, -pages);
            if (after < 0)
            {
                Interlocked.Add(ref counter, pages);
                throw new InvalidOperationException($"Uncharging {pages} pages would take the counter below zero.");
            }

            return 0;
        }

        var limit = RlimitMemlock >> PhysicalMemory.PageShift;
        var old = Volatile.Read(ref counter);
        while (true)
        {
            if ((ulong)(old + pages) > limit)
            {
                return -(int)Errno.ENOMEM;
            }

            var seen = Interlocked.CompareExchange(ref counter, old + pages, old);
            if (seen == old)
            {
                return 0;
            }

            old = seen;
        }
    }

    private void ThrowIfHeld(string operation)
    {
        if (IsMmapLockHeld)
        {
            throw new InvalidOperationException($"{operation}: this thread already holds the mmap lock (it would deadlock).");
        }
    }

    private ulong FindFreeRange(ulong length, ulong granule)
    {
        // Leave a guard gap between mappings, like the kernel's stack_guard_gap for top-down mmap, so that
        // adjacent mappings are not merged by accident in tests that walk off the end of one.
        var candidate = (nextAddress + granule - 1) & ~(granule - 1);
        while (Overlaps(candidate, candidate + length))
        {
            candidate += granule;
        }

        nextAddress = candidate + length + PhysicalMemory.PageSize;
        return candidate;
    }

    private bool Overlaps(ulong start, ulong end) => Volatile.Read(ref vmas).Any(v => v.Start < end && start < v.End);

    private bool IsFullyMapped(ulong start, ulong end)
    {
        var cursor = start;
        foreach (var vma in Volatile.Read(ref vmas))
        {
            if (vma.End <= cursor)
            {
                continue;
            }

            if (vma.Start > cursor)
            {
                return false;
            }

            cursor = vma.End;
            if (cursor >= end)
            {
                return true;
            }
        }

        return cursor >= end;
    }

    private void InsertVma(Vma vma)
    {
        var list = Volatile.Read(ref vmas).Append(vma).OrderBy(v => v.Start).ToArray();
        Volatile.Write(ref vmas, list);
    }

    private void PopulateDevice(Vma vma)
    {
        vma.Pmds.AsSpan().Fill(Pte.Table);
        for (var i = 0; i < vma.Ptes.Length; i++)
        {
            if (!Memory.TryAllocateFolio(PhysicalMemory.AllocationPolicy.Device, 0, PageFlags.Reserved, out var pfn))
            {
                for (var j = 0; j < i; j++)
                {
                    Memory.FreeDeviceFrame(Pte.PfnOf(vma.Ptes[j]));
                }

                throw new InvalidOperationException($"No ZONE_DEVICE memory left for a {vma.Length}-byte device mapping.");
            }

            vma.Ptes[i] = Pte.Make(pfn, writable: (vma.Flags & VmFlags.Write) != 0) | Pte.Special;
        }
    }

    /// <summary>Splits the VMA containing <paramref name="address"/> so that a VMA starts there.</summary>
    private void SplitAt(ulong address)
    {
        var vma = FindVmaUnlocked(address);
        if (vma is null || vma.Start == address)
        {
            return;
        }

        if (vma.Kind == VmaKind.Hugetlb && address % PhysicalMemory.HugePageSize != 0)
        {
            throw new ArgumentException("A hugetlb mapping can only be split at a 2 MiB boundary.", nameof(address));
        }

        // __split_huge_pmd(): a THP mapped by a PMD across the split point is remapped by PTEs first (the compound
        // page itself stays whole), so that each half can map its part.
        if (address % PhysicalMemory.HugePageSize != 0)
        {
            SplitHugePmd(vma, address & ~(ulong)(PhysicalMemory.HugePageSize - 1));
        }

        if (vma.Cache is { } cache)
        {
            // A migration started from another address space rewrites this VMA's PTEs under the cache lock.
            lock (cache.Gate)
            {
                SplitVma(vma, address);
            }
        }
        else
        {
            SplitVma(vma, address);
        }
    }

    private void SplitVma(Vma vma, ulong address)
    {
        var split = (int)((address - vma.Start) >> PhysicalMemory.PageShift);

        // Each half keeps the PMDs of the blocks it overlaps; a block straddling the split point is no huge leaf
        // (see SplitAt), so sharing its table pointer is right.
        var lowPmds = vma.Pmds[..Vma.PmdCount(vma.Start, address)];
        var highPmds = vma.Pmds[vma.PmdIndex(address)..];
        var low = new Vma(this, vma.Start, address, vma.Kind, vma.Protection, vma.Flags, vma.Cache, vma.PageOffset, vma.Ptes[..split], lowPmds);
        var high = new Vma(this, address, vma.End, vma.Kind, vma.Protection, vma.Flags, vma.Cache, vma.PageOffset + split, vma.Ptes[split..], highPmds);
        vma.Cache?.AddMapper(low);
        vma.Cache?.AddMapper(high);
        var list = Volatile.Read(ref vmas).Where(v => v != vma).Append(low).Append(high).OrderBy(v => v.Start).ToArray();
        Volatile.Write(ref vmas, list);
        vma.Cache?.RemoveMapper(vma);

        // The old VMA's page tables are no longer reachable from the tree; empty them so a lockless reader that
        // still holds them sees nothing mapped and falls back to the locked path.
        Array.Clear(vma.Pmds);
        Array.Clear(vma.Ptes);
    }

    private void RemoveRange(ulong start, ulong end)
    {
        SplitAt(start);
        SplitAt(end);
        var removed = Volatile.Read(ref vmas).Where(v => v.Start >= start && v.End <= end).ToArray();
        if (removed.Length == 0)
        {
            return;
        }

        Volatile.Write(ref vmas, Volatile.Read(ref vmas).Except(removed).ToArray());
        foreach (var vma in removed)
        {
            vma.Cache?.RemoveMapper(vma);
            for (var i = 0; i < vma.Pmds.Length; i++)
            {
                ZapPmd(ref vma.Pmds[i], freeTable: true);
            }

            for (var i = 0; i < vma.Ptes.Length; i++)
            {
                ZapPte(ref vma.Ptes[i]);
            }

            if (vma.Kind == VmaKind.Shmem && vma.Cache is { } shmem && shmem.Mappers().Length == 0)
            {
                shmem.ReleaseAll();
            }
        }
    }

    /// <summary>Clears one PTE and drops the reference it held (<c>zap_pte_range</c>).</summary>
    private void ZapPte(ref long entry)
    {
        var spin = default(SpinWait);
        while (true)
        {
            var old = Volatile.Read(ref entry);
            if (old == 0)
            {
                return;
            }

            if (Pte.IsMigration(old))
            {
                // Wait for the migration to install the new frame, then zap that.
                spin.SpinOnce();
                continue;
            }

            if (Interlocked.CompareExchange(ref entry, 0, old) != old)
            {
                continue;
            }

            var pfn = Pte.PfnOf(old);
            if (Pte.IsSpecial(old))
            {
                Memory.FreeDeviceFrame(pfn);
            }
            else if (!Memory.IsZeroPfn(pfn))
            {
                var head = Memory.HeadOf(pfn);
                Memory.PutRef(head, 1, new Page(Memory, pfn), "munmap");
            }

            return;
        }
    }

    /// <summary>
    /// <c>zap_huge_pmd()</c>: clears a huge PMD leaf and drops the references it held (one per subpage it mapped).
    /// A table pointer is cleared too when the VMA goes away (<paramref name="freeTable"/>); its PTEs are zapped
    /// one by one.
    /// </summary>
    private void ZapPmd(ref long entry, bool freeTable)
    {
        var spin = default(SpinWait);
        while (true)
        {
            var old = Volatile.Read(ref entry);
            if (old == 0 || (!Pte.IsHuge(old) && !freeTable))
            {
                return;
            }

            if (Pte.IsMigration(old))
            {
                spin.SpinOnce();
                continue;
            }

            if (Interlocked.CompareExchange(ref entry, 0, old) != old)
            {
                continue;
            }

            if (Pte.IsHuge(old))
            {
                var head = Pte.PfnOf(old);
                Memory.PutRef(head, PhysicalMemory.HugePageFrames, new Page(Memory, head), "munmap");
            }

            return;
        }
    }

    /// <summary>
    /// <c>__split_huge_pmd()</c>: remaps the huge page that a PMD leaf maps at <paramref name="block"/> with 512 PTEs
    /// (the compound page stays whole, and its references move from the PMD to the PTEs, one each). The PTEs are
    /// written before the PMD becomes a table pointer, so a lockless reader sees the leaf or the PTEs, never a hole.
    /// </summary>
    internal void SplitHugePmd(Vma vma, ulong block)
    {
        if (vma.Kind == VmaKind.Hugetlb || !vma.CoversBlock(block))
        {
            // hugetlb pages are only ever mapped whole (hugetlb VMAs split at 2 MiB boundaries and FOLL_SPLIT_PMD is
            // refused on them), and a PMD maps only blocks wholly inside its VMA.
            return;
        }

        ref var pmd = ref vma.PmdAt(block);
        if (!Pte.IsHuge(Volatile.Read(ref pmd)))
        {
            return;
        }

        lock (pmdLock)
        {
            var first = (int)((block - vma.Start) >> PhysicalMemory.PageShift);
            var spin = default(SpinWait);
            while (true)
            {
                var old = Volatile.Read(ref pmd);
                if (!Pte.IsHuge(old))
                {
                    return;
                }

                if (Pte.IsMigration(old))
                {
                    spin.SpinOnce();
                    continue;
                }

                for (var i = 0; i < PhysicalMemory.HugePageFrames; i++)
                {
                    Volatile.Write(ref vma.Ptes[first + i], Pte.Subpage(old, i));
                }

                if (Interlocked.CompareExchange(ref pmd, Pte.Table, old) == old)
                {
                    return;
                }

                // The leaf changed meanwhile (a write fault set its dirty bit, a migration began): the PTEs are
                // still invisible under it; take them back and start again from what the PMD holds now.
                for (var i = 0; i < PhysicalMemory.HugePageFrames; i++)
                {
                    Volatile.Write(ref vma.Ptes[first + i], 0);
                }
            }
        }
    }
}
