namespace PinApi.Analyzers.Flow;

/// <summary>
/// What is known about a flags argument: the bits it may carry (on some path), the bits it must carry (on every
/// path), and the bits some path sets with a constant the code spells out. The rules ask "must" or "may not" to
/// report a missing flag, and "mentioned" to report a present one, so an unknown operand (a parameter) never makes
/// a flag look present.
/// </summary>
internal readonly struct FlagsValue
{
    public FlagsValue(ulong may, ulong must, ulong mentioned)
    {
        May = may;
        Must = must;
        Mentioned = mentioned;
    }

    public static FlagsValue Unknown { get; } = new(ulong.MaxValue, 0, 0);

    public ulong May { get; }

    public ulong Must { get; }

    /// <summary>Bits a constant operand sets on some path (<c>writable ? GupFlags.Write : 0</c> mentions Write).</summary>
    public ulong Mentioned { get; }

    public static FlagsValue Constant(ulong value) => new(value, value, value);

    public FlagsValue Or(FlagsValue other) => new(May | other.May, Must | other.Must, Mentioned | other.Mentioned);

    public FlagsValue Either(FlagsValue other) => new(May | other.May, Must & other.Must, Mentioned | other.Mentioned);

    /// <summary>True when every path sets <paramref name="bit"/>, false when none may, null when it depends.</summary>
    public bool? Has(ulong bit) => (Must & bit) == bit ? true : (May & bit) == 0 ? false : null;
}
