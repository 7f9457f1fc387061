namespace PinApi.Analyzers.Flow;

/// <summary>
/// What is known about a flags argument: the bits it may carry (on some path) and the bits it must carry (on every
/// path). The FOLL_WRITE / FOLL_LONGTERM rules ask "must" to report a missing flag and "may" to report a present one.
/// </summary>
internal readonly struct FlagsValue
{
    public FlagsValue(ulong may, ulong must)
    {
        May = may;
        Must = must;
    }

    public static FlagsValue Unknown { get; } = new(ulong.MaxValue, 0);

    public ulong May { get; }

    public ulong Must { get; }

    public bool IsExact => May == Must;

    public static FlagsValue Constant(ulong value) => new(value, value);

    public FlagsValue Or(FlagsValue other) => new(May | other.May, Must | other.Must);

    public FlagsValue Either(FlagsValue other) => new(May | other.May, Must & other.Must);

    /// <summary>True when every path sets <paramref name="bit"/>, false when none may, null when it depends.</summary>
    public bool? Has(ulong bit) => (Must & bit) == bit ? true : (May & bit) == 0 ? false : null;
}
