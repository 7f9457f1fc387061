using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>PIN0007: a pages buffer provably shorter than nrPages (KERNEL.md §10 rule 6). The calls are left unreleased
/// on purpose where the acquire fails at run time anyway; the flow rules see the same code and say what they see.</summary>
public class Pin0007Tests
{
    [Fact]
    public Task InlineArrayShorterThanCount() => VerifyAsync("""
        class Rule6
        {
            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[4];
                int n = Gup.PinUserPagesFast(mm, a, 8, GupFlags.None, {|#0:new Page[4]|});
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(0, n));
            }
        }
        """, Diagnostic("PIN0007").WithArguments("PinUserPagesFast", "8", "new Page[4]", "4"));

    [Fact]
    public Task LocalArrayShorterThanCount() => VerifyAsync("""
        class Rule6
        {
            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[4];
                int n = Gup.PinUserPagesFast(mm, a, 8, GupFlags.None, {|#0:p|});
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(0, n));
            }
        }
        """, Diagnostic("PIN0007").WithArguments("PinUserPagesFast", "8", "p", "4"));

    [Fact]
    public Task SinglePageSpanAskedForTwo() => VerifyAsync("""
        class Vfio
        {
            static void Run(AddressSpace mm, ulong vaddr)
            {
                Page page = default;
                long ret = Gup.GetUserPages(mm, vaddr, 2, GupFlags.None, {|#0:new Span<Page>(ref page)|});
                if (ret > 0)
                    Gup.PutPage(page);
            }
        }
        """, Diagnostic("PIN0007"));

    [Fact]
    public Task ConstantSliceShorterThanCount() => VerifyAsync("""
        class Slice
        {
            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[16];
                long n = Gup.PinUserPages(mm, a, 8, GupFlags.None, {|#0:p.AsSpan(0, 4)|});
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(0, (int)n));
            }
        }
        """, Diagnostic("PIN0007"));

    [Fact]
    public Task ConstantCountFromConstField() => VerifyAsync("""
        class Batch
        {
            private const int NrPages = 32;

            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[16];
                long n = Gup.GetUserPagesRemote(mm, a, NrPages, GupFlags.None, {|#0:p|});
                for (long i = 0; i < n; i++)
                    Gup.PutPage(p[i]);
            }
        }
        """, Diagnostic("PIN0007").WithArguments("GetUserPagesRemote", "32", "p", "16"));

    [Fact]
    public Task OffsetSliceShorterThanCount() => VerifyAsync("""
        class Slice
        {
            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[8];
                long n = Gup.PinUserPages(mm, a, 8, GupFlags.None, {|#0:p.AsSpan(2)|});
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(2, (int)n));
            }
        }
        """, Diagnostic("PIN0007"));

    // ----- correct code: silent -----

    [Fact]
    public Task ExactSize() => VerifyAsync("""
        class Rule6
        {
            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[8];
                int n = Gup.PinUserPagesFast(mm, a, 8, GupFlags.None, p);
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(0, n));
            }
        }
        """);

    [Fact]
    public Task LargerBuffer() => VerifyAsync("""
        class Rule6
        {
            static void Run(AddressSpace mm, ulong a)
            {
                var p = new Page[64];
                long n = Gup.GetUserPages(mm, a, 16, GupFlags.None, p);
                for (long i = 0; i < n; i++)
                    Gup.PutPage(p[i]);
            }
        }
        """);

    [Fact]
    public Task SizeNotKnown() => VerifyAsync("""
        class Rule6
        {
            static void Run(AddressSpace mm, ulong a, int size)
            {
                var p = new Page[size];
                int n = Gup.PinUserPagesFast(mm, a, 8, GupFlags.None, p);
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(0, n));
            }
        }
        """);

    [Fact]
    public Task ReassignedLocalIsNotProvable() => VerifyAsync("""
        class Rule6
        {
            static void Run(AddressSpace mm, ulong a, bool big)
            {
                var p = new Page[4];
                if (big)
                    p = new Page[8];
                int n = Gup.PinUserPagesFast(mm, a, 8, GupFlags.None, p);
                if (n > 0)
                    Gup.UnpinUserPages(p.AsSpan(0, n));
            }
        }
        """);

    [Fact]
    public Task SinglePageSpanForOne() => VerifyAsync("""
        class Vfio
        {
            static void Run(AddressSpace mm, ulong vaddr)
            {
                Page page = default;
                long ret = Gup.GetUserPages(mm, vaddr, 1, GupFlags.None, new Span<Page>(ref page));
                if (ret > 0)
                    Gup.PutPage(page);
            }
        }
        """);
}
