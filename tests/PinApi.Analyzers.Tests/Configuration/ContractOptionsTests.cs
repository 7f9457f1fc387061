using Microsoft.CodeAnalysis.Testing;
using PinApi.Analyzers.Tests.Infrastructure;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Configuration;

/// <summary>
/// <c>pinapi.acquire_apis</c> / <c>pinapi.release_apis</c>: acquires and releases declared in .editorconfig or a global
/// config for code that cannot carry the attributes, here a vendor assembly (a second project). Every option is
/// tested both ways: without it the vendor call is an unknown call (a hand-off) and nothing is reported.
/// </summary>
public class ContractOptionsTests
{
    /// <summary>The vendor's API: no PinApi attributes, parameter names of its own, bodies that do not matter here.</summary>
    private const string Vendor = """
        namespace Vendor.Rdma
        {
            public static class Umem
            {
                public static long GetPages(PinApi.AddressSpace mm, ulong start, long count, PinApi.Page[] pageList) => throw new System.NotSupportedException();

                public static long GetPages(PinApi.AddressSpace mm, ulong start, long count, System.Span<PinApi.Page> pageList) => throw new System.NotSupportedException();

                public static void ReleasePages(PinApi.Page[] pageList, long count) => throw new System.NotSupportedException();

                public static void PutPages(PinApi.Page[] pageList) => throw new System.NotSupportedException();

                public sealed class Registry
                {
                    public void Drop(PinApi.Page[] pageList) => throw new System.NotSupportedException();
                }
            }
        }
        """;

    private const string LeakingCaller = """
        class Driver
        {
            static int Map(AddressSpace mm, ulong addr)
            {
                var pages = new Page[4];
                long n = {|#0:Vendor.Rdma.Umem.GetPages(mm, addr, 4, pages)|};
                if (n != 4)
                    return -(int)Errno.EFAULT;
                return 0;
            }
        }
        """;

    [Fact]
    public Task WithoutTheOptionAVendorAcquireIsAnUnknownCall() => Verify(LeakingCaller, config: null);

    [Fact]
    public Task AnAcquireDeclaredInEditorconfigIsTracked() => Verify(
        LeakingCaller,
        EditorConfig("pinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:pin:count=count"),
        Diagnostic("PIN0003"));

    [Fact]
    public Task AnAcquireDeclaredInAGlobalConfigIsTracked() => Verify(
        LeakingCaller,
        ("/.globalconfig", "is_global = true\npinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:pin\n"),
        Diagnostic("PIN0003"));

    [Fact]
    public Task TheOptionOfAnotherFileStillDeclaresTheApi() => Verify(
        LeakingCaller,
        ("/.editorconfig", "root = true\n\n[Other.cs]\npinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:pin\n"),
        Diagnostic("PIN0003"),
        extraSource: ("/0/Other.cs", "class Other { }"));

    [Fact]
    public Task TheDeclaredKindDecidesTheFamily() => Verify(
        """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                long n = Vendor.Rdma.Umem.GetPages(mm, addr, 1, pages);
                if (n != 1)
                    return;
                {|#0:Gup.UnpinUserPage(pages[0])|};
            }
        }
        """,
        EditorConfig("pinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:get:count=count"),
        Diagnostic("PIN0002"));

    private const string PinThenVendorPut = """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                long n = Gup.PinUserPages(mm, addr, 1, GupFlags.None, pages);
                if (n != 1)
                    return;
                {|#0:Vendor.Rdma.Umem.PutPages(pages)|};
            }
        }
        """;

    [Fact]
    public Task WithoutTheOptionAVendorReleaseIsAHandOff() => Verify(PinThenVendorPut, config: null);

    [Fact]
    public Task AReleaseDeclaredInEditorconfigIsPairedWithTheAcquire() => Verify(
        PinThenVendorPut,
        EditorConfig("pinapi.release_apis = Vendor.Rdma.Umem.PutPages:get"),
        Diagnostic("PIN0001"));

    [Fact]
    public Task DeclaredAcquireAndReleaseBalanceAndADoubleReleaseIsReported() => Verify(
        """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr, bool again)
            {
                var pages = new Page[2];
                long n = Vendor.Rdma.Umem.GetPages(mm, addr, 2, pages);
                if (n <= 0)
                    return;
                Vendor.Rdma.Umem.ReleasePages(pages, n);
                if (again)
                    {|#0:Vendor.Rdma.Umem.ReleasePages(pages, n)|};
            }
        }
        """,
        EditorConfig("pinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:pin:count=count\npinapi.release_apis = Vendor.Rdma.Umem.ReleasePages:pin:pages=pageList:count=count"),
        Diagnostic("PIN0004"));

    private const string ShortBuffer = """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr)
            {
                var pages = new Page[4];
                long n = Vendor.Rdma.Umem.GetPages(mm, addr, 8, {|#0:pages|});
                if (n > 0)
                    Gup.UnpinUserPages(pages.AsSpan(0, (int)n));
            }
        }
        """;

    [Fact]
    public Task TheCountRoleNamesTheCountParameter() => Verify(
        ShortBuffer,
        EditorConfig("pinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:pin:count=count"),
        Diagnostic("PIN0007"));

    [Fact]
    public Task WithoutTheCountRoleTheDefaultNameFindsNoCount() => Verify(
        ShortBuffer,
        EditorConfig("pinapi.acquire_apis = Vendor.Rdma.Umem.GetPages:pin"));

    [Fact]
    public Task ADocumentationIdNamesOneOverload() => Verify(
        """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr)
            {
                var array = new Page[1];
                {|#0:Vendor.Rdma.Umem.GetPages(mm, addr, 1, array)|};
                Span<Page> span = new Page[1];
                Vendor.Rdma.Umem.GetPages(mm, addr, 1, span);
            }
        }
        """,
        EditorConfig("pinapi.acquire_apis = M:Vendor.Rdma.Umem.GetPages(PinApi.AddressSpace,System.UInt64,System.Int64,PinApi.Page[]):pin"),
        Diagnostic("PIN0003"));

    [Theory]
    [InlineData("Vendor.Rdma.Umem+Registry.Drop")]
    [InlineData("Vendor.Rdma.Umem.Registry.Drop")]
    public Task ANestedTypeIsNamedWithPlusOrWithADot(string member) => Verify(
        """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr, Vendor.Rdma.Umem.Registry registry)
            {
                var pages = new Page[1];
                long n = Gup.PinUserPages(mm, addr, 1, GupFlags.None, pages);
                if (n != 1)
                    return;
                {|#0:registry.Drop(pages)|};
            }
        }
        """,
        EditorConfig($"pinapi.release_apis = {member}:get"),
        Diagnostic("PIN0001"));

    [Fact]
    public Task AnAttributeWinsOverTheOption() => Verify(
        """
        class Driver
        {
            static void Map(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                long n = Gup.PinUserPages(mm, addr, 1, GupFlags.None, pages);
                if (n != 1)
                    return;
                Gup.UnpinUserPage(pages[0]);
            }
        }
        """,
        EditorConfig("pinapi.acquire_apis = PinApi.Gup.PinUserPages:get"));

    [Fact]
    public void EntriesAreSplitAtTopLevelCommasOnly()
    {
        var options = ContractOptions.Parse(
            ["M:Vendor.Rdma.Umem.GetPages(PinApi.AddressSpace,System.UInt64,System.Int64,PinApi.Page[]):pin:count=count, Vendor.Rdma.Umem.GetPages:get"],
            ["Vendor.Rdma.Umem.ReleasePages:PIN:pages=pageList:count=count"]);
        Assert.Empty(options.Errors);
        Assert.Collection(
            options.Acquires,
            first =>
            {
                Assert.Equal("M:Vendor.Rdma.Umem.GetPages(PinApi.AddressSpace,System.UInt64,System.Int64,PinApi.Page[])", first.DocumentationId);
                Assert.Equal("count", first.Role("count", null));
                Assert.Equal(PageRefKind.Pin, first.Kind);
            },
            second =>
            {
                Assert.Null(second.DocumentationId);
                Assert.Equal("Vendor.Rdma.Umem", second.TypeName);
                Assert.Equal("GetPages", second.MethodName);
                Assert.Equal(PageRefKind.Get, second.Kind);
            });
        var release = Assert.Single(options.Releases);
        Assert.Equal("pageList", release.Role("pages", null));
        Assert.Equal(PageRefKind.Pin, release.Kind);
    }

    [Theory]
    [InlineData("Vendor.Rdma.Umem.GetPages", "a kind is required")]
    [InlineData("Vendor.Rdma.Umem.GetPages:borrow", "neither get nor pin")]
    [InlineData("GetPages:pin", "Namespace.Type.Method")]
    [InlineData("Vendor.Rdma.Umem.GetPages:pin:dirties=makeDirty", "not role=name")]
    [InlineData("Vendor.Rdma.Umem.GetPages:pin:count=", "not role=name")]
    public void AnEntryThatCannotBeReadIsIgnoredWithItsReason(string entry, string reason)
    {
        var options = ContractOptions.Parse([entry + ", Vendor.Rdma.Umem.PutPages:get"], []);
        var error = Assert.Single(options.Errors);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains(ContractOptions.AcquireApisKey, error, StringComparison.Ordinal);
        Assert.Equal("Vendor.Rdma.Umem.PutPages:get", Assert.Single(options.Acquires).Text);
    }

    [Fact]
    public void AnUnclosedParameterListSwallowsTheRestOfTheValue()
    {
        var options = ContractOptions.Parse(["M:Vendor.Rdma.Umem.GetPages(System.Int32:pin, Vendor.Rdma.Umem.PutPages:get"], []);
        Assert.Contains("not closed", Assert.Single(options.Errors), StringComparison.Ordinal);
        Assert.Empty(options.Acquires);
    }

    [Fact]
    public void AReturnTypeSuffixIsAccepted()
    {
        var options = ContractOptions.Parse(["M:Vendor.Rdma.Umem.GetPages(PinApi.Page[])~System.Int64:pin:count=count"], []);
        Assert.Empty(options.Errors);
        var api = Assert.Single(options.Acquires);
        Assert.Equal("M:Vendor.Rdma.Umem.GetPages(PinApi.Page[])", api.DocumentationId);
        Assert.Equal("count", api.Role("count", null));
    }

    private static (string Path, string Text) EditorConfig(string lines) => ("/.editorconfig", $"root = true\n\n[*.cs]\n{lines}\n");

    private static Task Verify(string source, (string Path, string Text)? config, params DiagnosticResult[] expected) =>
        Verify(source, config, expected, extraSource: null);

    private static Task Verify(string source, (string Path, string Text)? config, DiagnosticResult expected, (string Path, string Text) extraSource) =>
        Verify(source, config, [expected], extraSource);

    private static Task Verify(string source, (string Path, string Text)? config, DiagnosticResult[] expected, (string Path, string Text)? extraSource)
    {
        var test = new PinAnalyzerTest(source, expected);
        var vendor = test.TestState.AdditionalProjects["Vendor"];
        vendor.Sources.Add(("/Vendor/Umem.cs", Vendor));
        vendor.AdditionalReferences.Add(TestEnvironment.PinApiReference);
        test.TestState.AdditionalProjectReferences.Add("Vendor");
        if (config is { } file)
        {
            test.TestState.AnalyzerConfigFiles.Add(file);
        }

        if (extraSource is { } extra)
        {
            test.TestState.Sources.Add(extra);
        }

        return test.RunAsync();
    }
}
