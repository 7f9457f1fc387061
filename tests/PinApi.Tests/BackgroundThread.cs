namespace PinApi.Tests;

/// <summary>
/// Runs code on its own OS thread. The mmap lock and the page lock are thread-affine, as the kernel's are
/// per-task, so tests that need a second holder use a real thread rather than a pooled task.
/// </summary>
internal sealed class BackgroundThread<T>
{
    private readonly Thread thread;
    private T? result;
    private Exception? error;

    public BackgroundThread(Func<T> work)
    {
        thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        })
        { IsBackground = true };
        thread.Start();
    }

    /// <summary>True if the thread finished within the timeout.</summary>
    public bool Join(TimeSpan timeout) => thread.Join(timeout);

    public T Result
    {
        get
        {
            thread.Join();
            if (error is not null)
            {
                throw new InvalidOperationException("The background work failed.", error);
            }

            return result!;
        }
    }
}
