using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// What an expression says about page references: the variable that holds them (an array, a span, or a single
/// <c>Page</c> local), whether it names one element of it, and, for a slice such as <c>pages.AsSpan(0, n)</c>, the
/// expression giving its length.
/// </summary>
internal readonly struct PageTarget
{
    public PageTarget(ISymbol holder, bool isElement, int? constIndex, IOperation? sliceLength, bool hasOffset = false)
    {
        Holder = holder;
        IsElement = isElement;
        ConstIndex = constIndex;
        SliceLength = sliceLength;
        HasOffset = hasOffset;
    }

    public ISymbol Holder { get; }

    public bool IsElement { get; }

    /// <summary>The element index when it is a compile-time constant.</summary>
    public int? ConstIndex { get; }

    public IOperation? SliceLength { get; }

    /// <summary>True for a view that may start after element 0 (<c>pages.AsSpan(done)</c>): one chunk of a buffer filled piecewise.</summary>
    public bool HasOffset { get; }

    public PageTarget AsElement(int? constIndex) => new(Holder, true, IsElement ? ConstIndex : constIndex, null);

    public PageTarget WithSlice(IOperation? length, bool hasOffset = false) => IsElement ? this : new(Holder, false, null, length, HasOffset || hasOffset);
}
