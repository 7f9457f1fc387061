using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace PinApi.Analyzers.Flow;

/// <summary>
/// The bits of the library's flags enum that the FOLL_* rules ask about, read from the enum itself: FOLL_WRITE and
/// FOLL_LONGTERM by their member names (the FOLL_ names are the contract), the internal flags and the gup-fast
/// whitelist from the <c>[InternalFlag]</c> and <c>[AcceptedByFast]</c> attributes on the members.
/// </summary>
internal sealed class GupFlagsInfo
{
    private readonly List<(ulong Bit, string Name)> members = new();

    private GupFlagsInfo(INamedTypeSymbol type)
    {
        Type = type;
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (!field.HasConstantValue || field.ConstantValue is null)
            {
                continue;
            }

            var bit = System.Convert.ToUInt64(field.ConstantValue, System.Globalization.CultureInfo.InvariantCulture);
            if (bit == 0 || (bit & (bit - 1)) != 0)
            {
                continue;
            }

            members.Add((bit, field.Name));
            var attributes = field.GetAttributes().Select(a => a.AttributeClass?.ToDisplayString()).ToList();
            if (attributes.Contains("PinApi.Contracts.InternalFlagAttribute"))
            {
                Internal |= bit;
            }

            if (attributes.Contains("PinApi.Contracts.AcceptedByFastAttribute"))
            {
                AcceptedByFast |= bit;
            }

            if (field.Name == "Write")
            {
                Write = bit;
            }
            else if (field.Name == "Longterm")
            {
                Longterm = bit;
            }
        }
    }

    public INamedTypeSymbol Type { get; }

    public ulong Write { get; }

    public ulong Longterm { get; }

    public ulong Internal { get; }

    public ulong AcceptedByFast { get; }

    /// <summary>Reads the enum of a flags parameter; null when the parameter is not an enum.</summary>
    public static GupFlagsInfo? For(IParameterSymbol? flags) =>
        flags?.Type is INamedTypeSymbol { TypeKind: TypeKind.Enum } type ? new GupFlagsInfo(type) : null;

    /// <summary>The member names of the bits in <paramref name="bits"/>, in declaration order.</summary>
    public IEnumerable<string> Names(ulong bits) => members.Where(m => (bits & m.Bit) != 0).Select(m => m.Name);
}
