namespace PinApi;

/// <summary>What one writeback pass did.</summary>
public readonly record struct WritebackResult(int Written, int SkippedPinned, int Lost)
{
    public static WritebackResult operator +(WritebackResult a, WritebackResult b) =>
        new(a.Written + b.Written, a.SkippedPinned + b.SkippedPinned, a.Lost + b.Lost);

    public override string ToString() => $"written {Written}, skipped (pinned) {SkippedPinned}, lost {Lost}";
}
