namespace PinApi;

/// <summary>
/// A fault or a GUP walk retries a page until its PTE is as needed. Retries are normal under races (another
/// fault, a migration, writeback), but unbounded retrying of one page means a fault that makes no progress: fail
/// loudly with the address rather than spin forever.
/// </summary>
internal static class FaultProgress
{
    /// <summary>Far more retries than any race produces; each one re-reads a PTE that another thread changed.</summary>
    private const int MaxAttempts = 1_000_000;

    public static void Check(int attempt, ulong address)
    {
        if (attempt >= MaxAttempts)
        {
            throw new InvalidOperationException($"The page at 0x{address:x} made no progress after {MaxAttempts} fault retries: an internal error of the simulation.");
        }
    }
}
