namespace PinApi;

/// <summary>Page faults (first touch, COW, write-notify) and the process's own loads and stores.</summary>
public sealed partial class AddressSpace
{
    /// <summary>
    /// Copies bytes from the process's memory (<c>copy_from_user</c>), faulting pages in; 0 or -EFAULT when a page
    /// is unmapped or unreadable.
    /// </summary>
    public int Read(ulong address, Span<byte> destination)
    {
        var bytes = new byte[destination.Length];
        var rc = Access(address, bytes.Length, write: false, (data, done) => data.CopyTo(bytes.AsSpan(done, data.Length)));
        if (rc == 0)
        {
            bytes.CopyTo(destination);
        }

        return rc;
    }

    /// <summary>
    /// Copies bytes into the process's memory (<c>copy_to_user</c>), faulting pages in and writing through COW and
    /// write-notify as a store does; 0 or -EFAULT when a page is unmapped or not writable.
    /// </summary>
    public int Write(ulong address, ReadOnlySpan<byte> source)
    {
        var bytes = source.ToArray();
        return Access(address, bytes.Length, write: true, (data, done) => bytes.AsSpan(done, data.Length).CopyTo(data));
    }

    /// <summary>Fills a range with one byte value through the process's own stores.</summary>
    public int Fill(ulong address, int length, byte value)
    {
        var chunk = new byte[Math.Min(length, PhysicalMemory.PageSize)];
        Array.Fill(chunk, value);
        for (var done = 0; done < length; done += chunk.Length)
        {
            var rc = Write(address + (ulong)done, chunk.AsSpan(0, Math.Min(chunk.Length, length - done)));
            if (rc != 0)
            {
                return rc;
            }
        }

        return 0;
    }

    /// <summary>
    /// <c>handle_mm_fault()</c> for one address: installs or upgrades the PTE. Returns 0 (the caller re-walks), or a
    /// negative errno. With <paramref name="nowait"/>, a fault that would wait for disk IO sets
    /// <paramref name="wouldBlock"/> instead. The caller holds the mmap lock.
    /// </summary>
    internal int HandleFault(Vma vma, ulong address, bool write, bool force, bool nowait, out bool wouldBlock)
    {
        wouldBlock = false;
        ref var pmd = ref vma.PmdAt(address);
        var pmdValue = Volatile.Read(ref pmd);
        if (Pte.IsHuge(pmdValue))
        {
            if (Pte.IsMigration(pmdValue))
            {
                WaitForMigration(ref pmd);
                return 0;
            }

            Memory.VmStat.Increment(VmStatItem.PgFault);
            return write ? HugePmdWriteFault(vma, ref pmd, pmdValue) : 0;
        }

        ref var entry = ref vma.PteAt(address);
        var old = Volatile.Read(ref entry);
        if (Pte.IsMigration(old))
        {
            WaitForMigration(ref entry);
            return 0;
        }

        Memory.VmStat.Increment(VmStatItem.PgFault);
        return vma.Kind switch
        {
            VmaKind.Device => -(int)Errno.EFAULT,
            VmaKind.AnonymousPrivate => AnonymousFault(vma, address, ref pmd, ref entry, old, write),
            VmaKind.Hugetlb => HugetlbFault(vma, address),
            _ => FileFault(vma, address, ref entry, old, write, force, nowait, out wouldBlock),
        };
    }

    internal static void WaitForMigration(ref long entry)
    {
        var spin = default(SpinWait);
        while (Pte.IsMigration(Volatile.Read(ref entry)))
        {
            spin.SpinOnce();
        }
    }

    /// <summary><c>page_mkwrite</c> / <c>folio_mark_dirty</c> on a write fault of a shared page.</summary>
    internal void MarkWritten(Vma vma, long pfn)
    {
        Memory.LockPage(pfn);
        try
        {
            if (vma.Cache is { CanWriteback: true })
            {
                // The filesystem reserves blocks for the dirty data: this is what a later writeback can write.
                Memory.SetFlag(pfn, PageFlags.Private);
            }

            if (Memory.SetFlag(pfn, PageFlags.Dirty))
            {
                Memory.VmStat.Increment(VmStatItem.NrDirtied);
            }
        }
        finally
        {
            Memory.UnlockPage(pfn);
        }
    }

    private int Access(ulong address, int length, bool write, SpanAction copy)
    {
        ThrowIfDisposed();
        if (length == 0)
        {
            return 0;
        }

        if (address + (ulong)length < address || address + (ulong)length > TaskSize)
        {
            return -(int)Errno.EFAULT;
        }

        var locked = IsMmapLockHeld;
        if (!locked)
        {
            mmapLock.EnterReadLock();
        }

        try
        {
            foreach (var chunk in PageChunk.Split(address, length))
            {
                var rc = AccessPage(chunk.Address, chunk.Count, chunk.Done, write, copy);
                if (rc != 0)
                {
                    return rc;
                }
            }

            return 0;
        }
        finally
        {
            if (!locked)
            {
                mmapLock.ExitReadLock();
            }
        }
    }

    private int AccessPage(ulong address, int count, int done, bool write, SpanAction copy)
    {
        var vma = FindVmaUnlocked(address);
        if (vma is null || (vma.Flags & (write ? VmFlags.Write : VmFlags.Read)) == 0)
        {
            return -(int)Errno.EFAULT;
        }

        var offset = (int)(address & (PhysicalMemory.PageSize - 1));
        for (var attempt = 0; ; attempt++)
        {
            FaultProgress.Check(attempt, address);
            var pte = vma.ReadEntry(address);
            if (!Pte.IsPresent(pte) || (write && !Pte.IsWritable(pte)))
            {
                var rc = HandleFault(vma, address, write, force: false, nowait: false, out _);
                if (rc != 0)
                {
                    return -(int)Errno.EFAULT;
                }

                continue;
            }

            copy(Memory.DataStore.Get(Pte.PfnOf(pte)).AsSpan(offset, count), done);

            // A migration or a writeback that changed the PTE meanwhile may have copied or written the page before
            // this store landed: redo it on whatever the PTE maps now, as a real store would fault and retry.
            var after = vma.ReadEntry(address);
            if (after == pte || (!write && Pte.PfnOf(after) == Pte.PfnOf(pte)))
            {
                return 0;
            }
        }
    }

    private int AnonymousFault(Vma vma, ulong address, ref long pmd, ref long entry, long old, bool write)
    {
        if (!Pte.IsPresent(old))
        {
            if (write && (vma.Flags & VmFlags.HugePage) != 0 && TryHugeFault(vma, address, PageFlags.Anon))
            {
                Memory.VmStat.Increment(VmStatItem.ThpFaultAlloc);
                return 0;
            }

            // pte_alloc(): the block gets a PTE table unless a huge PMD got there first (then re-walk and find it).
            if (!EnsurePteTable(ref pmd))
            {
                return 0;
            }

            if (!write)
            {
                // Read of untouched anonymous memory maps the shared zero page read-only.
                Interlocked.CompareExchange(ref entry, Pte.Make(0, writable: false), 0);
                return 0;
            }

            if (!Memory.TryAllocateFolio(PhysicalMemory.AllocationPolicy.UserMovable, 0, PageFlags.Anon, out var pfn))
            {
                return -(int)Errno.ENOMEM;
            }

            SetAnonOwner(pfn, address);

            // A forced write into a read-only private mapping gets a dirty, read-only PTE: the mark that this
            // private page is ours to write through (the kernel's pte_mkdirty for FOLL_FORCE).
            if (Interlocked.CompareExchange(ref entry, Pte.Make(pfn, (vma.Flags & VmFlags.Write) != 0) | Pte.Dirty, 0) != 0)
            {
                Memory.PutRef(pfn, 1, new Page(Memory, pfn), "fault race");
            }

            return 0;
        }

        return write ? WriteProtectFault(vma, address, ref entry, old) : 0;
    }

    /// <summary>A write to a present, write-protected PTE of a private mapping: COW, or reuse an exclusive anon page.</summary>
    private int WriteProtectFault(Vma vma, ulong address, ref long entry, long old)
    {
        var pfn = Pte.PfnOf(old);
        var writable = (vma.Flags & VmFlags.Write) != 0;
        if (!Memory.IsZeroPfn(pfn) && Memory.TestFlag(Memory.HeadOf(pfn), PageFlags.Anon))
        {
            // Our own anonymous page (no fork here, so always exclusive): reuse it. Without VM_WRITE this is a
            // forced write: the PTE stays read-only but dirty, which is what lets FOLL_FORCE follow it.
            Interlocked.CompareExchange(ref entry, old | Pte.Dirty | (writable ? Pte.Write : 0), old);
            return 0;
        }

        if (!Memory.TryAllocateFolio(PhysicalMemory.AllocationPolicy.UserMovable, 0, PageFlags.Anon, out var copy))
        {
            return -(int)Errno.ENOMEM;
        }

        Memory.DataStore.Get(pfn).CopyTo(Memory.DataStore.Get(copy), 0);
        SetAnonOwner(copy, address);

        // A FOLL_FORCE write into a read-only private mapping gets its private copy while the PTE stays read-only.
        var replacement = Pte.Make(copy, writable) | (writable ? 0 : Pte.Dirty);
        if (Interlocked.CompareExchange(ref entry, replacement, old) != old)
        {
            Memory.PutRef(copy, 1, new Page(Memory, copy), "fault race");
            return 0;
        }

        if (!Memory.IsZeroPfn(pfn))
        {
            Memory.PutRef(Memory.HeadOf(pfn), 1, new Page(Memory, pfn), "COW");
        }

        return 0;
    }

    private int FileFault(Vma vma, ulong address, ref long entry, long old, bool write, bool force, bool nowait, out bool wouldBlock)
    {
        wouldBlock = false;
        var cache = vma.Cache!;
        var shared = (vma.Flags & VmFlags.Shared) != 0;
        if (!Pte.IsPresent(old))
        {
            var index = vma.FileIndexOf(address);
            if (nowait && cache.File is not null && !cache.IsDax && cache.Lookup(index) < 0)
            {
                wouldBlock = true;
                return 0;
            }

            if (!cache.TryGetPage(index, out var pfn, out var major))
            {
                return -(int)Errno.ENOMEM;
            }

            if (major)
            {
                Memory.VmStat.Increment(VmStatItem.PgMajFault);
            }

            // Shared pages are mapped read-only first so that the first store faults and notifies the filesystem.
            if (Interlocked.CompareExchange(ref entry, Pte.Make(pfn, writable: false), 0) != 0)
            {
                Memory.PutRef(pfn, 1, new Page(Memory, pfn), "fault race");
                return 0;
            }

            old = Volatile.Read(ref entry);
            if (!write)
            {
                return 0;
            }
        }

        if (!write || Pte.IsWritable(old))
        {
            return 0;
        }

        if (!shared)
        {
            return WriteProtectFault(vma, address, ref entry, old);
        }

        if (force && (vma.Flags & VmFlags.Write) == 0)
        {
            return -(int)Errno.EFAULT;
        }

        MarkWritten(vma, Pte.PfnOf(old));
        Interlocked.CompareExchange(ref entry, old | Pte.Write | Pte.Dirty, old);
        return 0;
    }

    private int HugetlbFault(Vma vma, ulong address)
    {
        if (!Memory.TryAllocateHugetlb(out var head))
        {
            // The pool is exhausted: the kernel's hugetlb fault returns VM_FAULT_SIGBUS, which GUP reports as -EFAULT.
            return -(int)Errno.EFAULT;
        }

        Memory.SetFlag(head, PageFlags.Anon);
        InstallHuge(vma, address, head);
        return 0;
    }

    /// <summary>
    /// <c>do_huge_pmd_anonymous_page()</c>: a transparent huge page for the aligned 2 MiB block around the address,
    /// if the block lies wholly inside the VMA and has no PTE table yet (<c>pmd_none</c>).
    /// </summary>
    private bool TryHugeFault(Vma vma, ulong address, PageFlags flags)
    {
        var block = address & ~(ulong)(PhysicalMemory.HugePageSize - 1);
        if (!vma.CoversBlock(block) || Volatile.Read(ref vma.PmdAt(block)) != 0)
        {
            return false;
        }

        if (!Memory.TryAllocateFolio(PhysicalMemory.AllocationPolicy.UserMovable, PhysicalMemory.HugePageOrder, flags, out var head))
        {
            return false;
        }

        return InstallHuge(vma, block, head);
    }

    /// <summary>
    /// Maps a new compound page with one huge PMD leaf (<c>set_pmd_at</c>). The mapping holds one reference per
    /// subpage it maps, as 512 PTEs would, so a PMD split moves them to the PTEs unchanged. False (and the page
    /// freed) when another fault filled the PMD first.
    /// </summary>
    private bool InstallHuge(Vma vma, ulong address, long head)
    {
        var block = address & ~(ulong)(PhysicalMemory.HugePageSize - 1);
        var writable = (vma.Flags & VmFlags.Write) != 0;
        SetAnonOwner(head, block);
        Volatile.Write(ref Memory.Frames.RefCount(head), PhysicalMemory.HugePageFrames);
        if (Interlocked.CompareExchange(ref vma.PmdAt(block), Pte.MakeHuge(head, writable), 0) != 0)
        {
            Memory.PutRef(head, PhysicalMemory.HugePageFrames, new Page(Memory, head), "fault race");
            return false;
        }

        return true;
    }

    /// <summary>
    /// A write to a write-protected huge PMD leaf (<c>do_huge_pmd_wp_page</c>): the page is our own anonymous THP or
    /// hugetlb page (no fork here, so always exclusive), so it is reused. Without VM_WRITE this is a forced write:
    /// the leaf stays read-only but dirty, which is what lets FOLL_FORCE follow it.
    /// </summary>
    private static int HugePmdWriteFault(Vma vma, ref long pmd, long old)
    {
        if (!Pte.IsPresent(old))
        {
            return 0;
        }

        var writable = (vma.Flags & VmFlags.Write) != 0;
        Interlocked.CompareExchange(ref pmd, old | Pte.Dirty | (writable ? Pte.Write : 0), old);
        return 0;
    }

    /// <summary>
    /// <c>pte_alloc()</c>: makes the block's PMD point to its PTE table before a PTE is installed, so that a THP fault
    /// (which needs <c>pmd_none</c>) and a PTE fault in one block never both succeed. False when a huge leaf is there.
    /// </summary>
    private static bool EnsurePteTable(ref long pmd)
    {
        var value = Volatile.Read(ref pmd);
        if (value == 0)
        {
            value = Interlocked.CompareExchange(ref pmd, Pte.Table, 0);
            if (value == 0)
            {
                return true;
            }
        }

        return !Pte.IsHuge(value);
    }

    private void SetAnonOwner(long head, ulong address)
    {
        Memory.Frames.Mapping(head) = Id;
        Memory.Frames.Index(head) = (int)(uint)(address >> PhysicalMemory.PageShift);
    }

    private delegate void SpanAction(Span<byte> data, int done);
}
