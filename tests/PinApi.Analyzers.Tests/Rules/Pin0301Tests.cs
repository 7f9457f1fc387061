using Microsoft.CodeAnalysis.Testing;
using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.Rules;

/// <summary>
/// PIN0301: uses of a [ReplacedBy] API — the seed series' put_user_page*() → unpin_user_page*() rename — and its
/// rename fix. The cases pin with PinUserPages*, as the sites whose release was already put_user_page*() did
/// (io_uring, xdp, drm/via, IB), so only the rename is due.
/// </summary>
public class Pin0301Tests
{
    [Fact]
    public Task A_qualified_call_is_renamed_keeping_arguments_and_trivia() => PinCodeFixTest<ReplacedApiCodeFixProvider>.VerifyAsync("""
        class IoUring
        {
            // io_sqe_buffer_register(): release any pages we did get
            static void Release(AddressSpace mm, ulong ubuf, int n)
            {
                var pages = new Page[n];
                var pret = {|#1:Gup.PinUserPages(mm, ubuf, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (pret > 0)
                    Gup.{|#0:PutUserPages|}( /* the prefix */ pages.AsSpan(0, (int)pret) ); // unwind
            }
        }
        """, """
        class IoUring
        {
            // io_sqe_buffer_register(): release any pages we did get
            static void Release(AddressSpace mm, ulong ubuf, int n)
            {
                var pages = new Page[n];
                var pret = {|#1:Gup.PinUserPages(mm, ubuf, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (pret > 0)
                    Gup.UnpinUserPages( /* the prefix */ pages.AsSpan(0, (int)pret) ); // unwind
            }
        }
        """, PinFixKeys.RenameReplacedApi,
        // The snippet is only the unwind, so every path releases the FOLL_LONGTERM pin (PIN0204, not this fix's).
        [Replaced(0, "PutUserPages", "UnpinUserPages"), Diagnostic("PIN0204", 1)], [Diagnostic("PIN0204", 1)]);

    [Fact]
    public Task Named_arguments_and_the_dirty_lock_variant_are_renamed() => PinCodeFixTest<ReplacedApiCodeFixProvider>.VerifyAsync("""
        class Xdp
        {
            static void Unpin(Page[] pgs, int npgs)
            {
                Gup.{|#0:PutUserPagesDirtyLock|}(makeDirty: true,
                                              pages: pgs.AsSpan(0, npgs));
            }
        }
        """, """
        class Xdp
        {
            static void Unpin(Page[] pgs, int npgs)
            {
                Gup.UnpinUserPagesDirtyLock(makeDirty: true,
                                              pages: pgs.AsSpan(0, npgs));
            }
        }
        """, PinFixKeys.RenameReplacedApi, Replaced(0, "PutUserPagesDirtyLock", "UnpinUserPagesDirtyLock"));

    [Fact]
    public Task Using_static_calls_method_groups_and_nameof_are_renamed() => PinCodeFixTest<ReplacedApiCodeFixProvider>.VerifyAsync("""
        using static PinApi.Gup;
        using System.Collections.Generic;

        class Via
        {
            static string Release(List<Page> pages)
            {
                {|#0:PutUserPage|}(pages[0]);
                pages.ForEach({|#1:PutUserPage|});
                pages.ForEach(Gup.{|#2:PutUserPage|});
                return nameof(Gup.{|#3:PutUserPage|});
            }
        }
        """, """
        using static PinApi.Gup;
        using System.Collections.Generic;

        class Via
        {
            static string Release(List<Page> pages)
            {
                UnpinUserPage(pages[0]);
                pages.ForEach(UnpinUserPage);
                pages.ForEach(Gup.UnpinUserPage);
                return nameof(Gup.UnpinUserPage);
            }
        }
        """, PinFixKeys.RenameReplacedApi,
        Replaced(0, "PutUserPage", "UnpinUserPage"),
        Replaced(1, "PutUserPage", "UnpinUserPage"),
        Replaced(2, "PutUserPage", "UnpinUserPage"),
        Replaced(3, "PutUserPage", "UnpinUserPage"));

    [Fact]
    public Task Fix_all_renames_every_site_in_one_pass_across_documents_methods_and_regions()
    {
        var test = new PinCodeFixTest<ReplacedApiCodeFixProvider>("""
            class A
            {
                static void One(Page[] p) => Gup.{|#0:PutUserPages|}(p);
                #region two
                static void Two(Page p)
                {
                    Gup.{|#1:PutUserPage|}(p); Gup.{|#2:PutUserPage|}(p);
                }
                #endregion
            }
            """, """
            class A
            {
                static void One(Page[] p) => Gup.UnpinUserPages(p);
                #region two
                static void Two(Page p)
                {
                    Gup.UnpinUserPage(p); Gup.UnpinUserPage(p);
                }
                #endregion
            }
            """, PinFixKeys.RenameReplacedApi);
        test.TestState.Sources.Add(("B.cs", TestEnvironment.Usings + "class B { static void Three(Page[] p, bool d) => Gup.{|#3:PutUserPagesDirtyLock|}(p, d); }"));
        test.FixedState.Sources.Add(("B.cs", TestEnvironment.Usings + "class B { static void Three(Page[] p, bool d) => Gup.UnpinUserPagesDirtyLock(p, d); }"));
        test.ExpectedDiagnostics.Add(Replaced(0, "PutUserPages", "UnpinUserPages"));
        test.ExpectedDiagnostics.Add(Replaced(1, "PutUserPage", "UnpinUserPage"));
        test.ExpectedDiagnostics.Add(Replaced(2, "PutUserPage", "UnpinUserPage"));
        test.ExpectedDiagnostics.Add(Replaced(3, "PutUserPagesDirtyLock", "UnpinUserPagesDirtyLock"));
        // One pass fixes every document of the project or solution; document scope takes one pass per document.
        test.NumberOfFixAllInProjectIterations = 1;
        test.NumberOfFixAllIterations = 1;
        test.NumberOfFixAllInDocumentIterations = 2;
        return test.RunAsync();
    }

    [Fact]
    public Task A_users_own_replaced_api_is_reported_and_renamed() => PinCodeFixTest<ReplacedApiCodeFixProvider>.VerifyAsync("""
        static class Umem
        {
            [ReplacedBy(nameof(Release))]
            public static void Put(int handle) { }

            public static void Release(int handle) { }

            static void Use() => {|#0:Put|}(7);
        }
        """, """
        static class Umem
        {
            [ReplacedBy(nameof(Release))]
            public static void Put(int handle) { }

            public static void Release(int handle) { }

            static void Use() => Release(7);
        }
        """, PinFixKeys.RenameReplacedApi, Replaced(0, "Put", "Release"));

    [Fact]
    public Task A_replacement_with_other_parameters_is_reported_but_not_renamed()
    {
        const string source = """
            static class Umem
            {
                [ReplacedBy("Release")]
                public static void Put(int handle) { }

                public static void Release(long handle, bool dirty) { }

                static void Use() => {|#0:Put|}(7);
            }
            """;
        return PinCodeFixTest<ReplacedApiCodeFixProvider>.VerifyAsync(source, source, PinFixKeys.RenameReplacedApi,
            [Replaced(0, "Put", "Release")], [Replaced(0, "Put", "Release")], iterations: 0);
    }

    [Fact]
    public Task The_new_names_and_unmarked_look_alikes_are_silent() => VerifyAsync("""
        static class Mine
        {
            public static void PutUserPage(Page page) { }
        }

        class Clean
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[2];
                var n = Gup.PinUserPagesFast(mm, addr, 2, GupFlags.Write, pages);
                if (n <= 0)
                    return;
                Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, n), true);
                Mine.PutUserPage(default);
                _ = nameof(Gup.UnpinUserPage);
            }
        }
        """);

    [Fact]
    public Task Get_pages_released_with_a_legacy_name_are_also_a_family_mismatch() => VerifyAsync("""
        class Qib
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                var n = Gup.GetUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (n != 1)
                    return;
                {|#1:Gup.{|#0:PutUserPage|}(pages[0])|};
            }
        }
        """, Replaced(0, "PutUserPage", "UnpinUserPage"), Diagnostic("PIN0002", 1));

    private static DiagnosticResult Replaced(int location, string name, string replacement) =>
        Diagnostic("PIN0301", location).WithArguments(name, replacement);
}
