namespace PinApi;

/// <summary>A held mmap lock (<c>mmap_read_lock</c> / <c>mmap_write_lock</c>); disposing it unlocks.</summary>
public readonly struct MmapLock : IDisposable
{
    private readonly ReaderWriterLockSlim? lockObject;
    private readonly bool write;

    internal MmapLock(ReaderWriterLockSlim lockObject, bool write)
    {
        this.lockObject = lockObject;
        this.write = write;
    }

    public void Dispose()
    {
        if (lockObject is null)
        {
            return;
        }

        if (write)
        {
            lockObject.ExitWriteLock();
        }
        else
        {
            lockObject.ExitReadLock();
        }
    }
}
