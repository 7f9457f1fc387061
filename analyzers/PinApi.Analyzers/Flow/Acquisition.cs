using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// One acquire call site of the analyzed method and everything the rules need about it: the reference kind, the
/// variable that receives the pages, the local that receives the returned count, the requested count, and the
/// flags (FOLL_WRITE / FOLL_LONGTERM, evaluated through constants) together with the releases and dirtying calls
/// seen for it, which the dirtying and FOLL_LONGTERM rules build on.
/// </summary>
internal sealed class Acquisition
{
    public Acquisition(int index, IInvocationOperation call, AcquireContract contract, ISymbol holder, IOperation? requestedCount, FlagsValue flags, GupFlagsInfo? flagsInfo)
    {
        FlagsInfo = flagsInfo;
        Index = index;
        Call = call;
        Contract = contract;
        Holder = holder;
        RequestedCount = requestedCount;
        Flags = flags;
    }

    public int Index { get; }

    public IInvocationOperation Call { get; }

    public AcquireContract Contract { get; }

    public PageRefKind Kind => Contract.Kind;

    /// <summary>The local or parameter the references are written into.</summary>
    public ISymbol Holder { get; }

    /// <summary>True when the holder is a parameter: the caller's buffer, so the caller owns what is left in it.</summary>
    public bool OwnedByCaller => Holder is IParameterSymbol;

    /// <summary>True when the acquire fills a chunk of its buffer (<c>pages.AsSpan(done)</c>): acquires of other chunks add to it.</summary>
    public bool IsChunk { get; set; }

    /// <summary>The local assigned the acquire's return value (how many pages were taken), if any.</summary>
    public ILocalSymbol? CountLocal { get; set; }

    public IOperation? RequestedCount { get; }

    /// <summary>The bits the flags argument may and must carry, evaluated through constants, <c>|</c>, <c>?:</c> and locals.</summary>
    public FlagsValue Flags { get; }

    /// <summary>The flags enum's FOLL_WRITE / FOLL_LONGTERM bits, or null when the acquire takes no flags.</summary>
    public GupFlagsInfo? FlagsInfo { get; }

    /// <summary>FOLL_WRITE on every path (true), on none (false), or depending on the path (null).</summary>
    public bool? IsWrite => Contract.Flags is null ? false : FlagsInfo is { Write: not 0 } info ? Flags.Has(info.Write) : null;

    /// <summary>FOLL_LONGTERM on every path (true), on none (false), or depending on the path (null).</summary>
    public bool? IsLongterm => Contract.Flags is null ? false : FlagsInfo is { Longterm: not 0 } info ? Flags.Has(info.Longterm) : null;

    /// <summary>Where the pages are first kept beyond the call (a field store, a [TakesOwnership] argument), if anywhere.</summary>
    public SyntaxNode? KeptAt { get; set; }

    /// <summary>True when the pages were handed to a <c>[TakesOwnership]</c> parameter: their releases are the callee's.</summary>
    public bool HandedToOwner { get; set; }

    /// <summary>Release calls that reach this acquisition, with their contracts (filled by the reporting pass).</summary>
    public List<(IInvocationOperation Call, ReleaseContract Contract)> Releases { get; } = new();

    /// <summary>Calls that dirty this acquisition's pages (<c>[DirtiesPage]</c>, <c>[DirtiesPageLocked]</c>, dirtying releases).</summary>
    public List<IInvocationOperation> Dirtyings { get; } = new();

    public string Describe() => Call.TargetMethod.Name;
}
