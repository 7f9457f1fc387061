using System.Reflection;
using PinApi.Contracts;

namespace PinApi.Tests;

/// <summary>
/// The flag attributes the analyzers read (<c>[InternalFlag]</c>, <c>[AcceptedByFast]</c>) say exactly what the GUP
/// engine enforces: a flag marked one way and checked another would make PIN0203/PIN0207 lie.
/// </summary>
public class GupFlagsContractTests
{
    [Fact]
    public void Rule2_internal_flag_attributes_match_the_flags_is_valid_gup_args_refuses()
    {
        // FOLL_GET is set by the get_* entry points; is_valid_gup_args() refuses it from a pin_* caller (step 4).
        Assert.Equal(GupEngine.InternalFlags | GupFlags.Get, Marked<InternalFlagAttribute>());
    }

    [Fact]
    public void Rule20_accepted_by_fast_attributes_match_the_gup_fast_whitelist()
    {
        Assert.Equal(GupEngine.FastAllowed, Marked<AcceptedByFastAttribute>());
    }

    [Theory]
    [InlineData(GupFlags.Nowait)]
    [InlineData(GupFlags.Dump)]
    [InlineData(GupFlags.Anon)]
    public void Rule20_a_flag_without_AcceptedByFast_makes_gup_fast_fail(GupFlags flag)
    {
        using var machine = new Machine();
        var address = machine.Anon(1);
        var pages = new Page[1];
        Assert.Equal(-(int)Errno.EINVAL, Gup.GetUserPagesFast(machine.Mm, address, 1, flag, pages));
        Assert.Equal(0, machine.Memory.VmStat.NrFollPinAcquired);
    }

    private static GupFlags Marked<TAttribute>()
        where TAttribute : Attribute
    {
        var marked = GupFlags.None;
        foreach (var field in typeof(GupFlags).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetCustomAttribute<TAttribute>() is not null)
            {
                marked |= (GupFlags)field.GetValue(null)!;
            }
        }

        return marked;
    }
}
