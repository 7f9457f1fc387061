using Microsoft.CodeAnalysis.Testing;
using PinApi.Analyzers.Tests.Infrastructure;
using PinApi.CodeFixes;
using Xunit;
using static PinApi.Analyzers.Tests.Infrastructure.PinAnalyzerTest;

namespace PinApi.Analyzers.Tests.CodeFixes;

/// <summary>The PIN0001/PIN0002 fixes: exact results, trivia kept, FixAll in every scope (run by the framework).</summary>
public class ReleaseFamilyFixTests
{
    [Fact]
    public Task Pin0001PutPageBecomesUnpinUserPageKeepingComments() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                var ret = Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                // drop the page reference
                {|#0:Gup.PutPage(pages[0])|}; // siw_umem_release
                return 0;
            }
        }
        """, """
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                var ret = Gup.PinUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                // drop the page reference
                Gup.UnpinUserPage(pages[0]); // siw_umem_release
                return 0;
            }
        }
        """, PinFixKeys.UseUnpin, Diagnostic("PIN0001"));

    [Fact]
    public Task Pin0001FixAllAcrossMethodsAndRegions() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class Qib
        {
            static void A(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                int got = {|#2:Gup.PinUserPagesFast(mm, start, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                #region free_pages
                for (int i = 0; i < got; i++)
                    {|#0:Gup.PutPage(
                        pages[i])|};
                #endregion
            }

            static void B(AddressSpace mm, ulong start)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, start, 1, GupFlags.None, pages) != 1)
                    return;
                /* release */ {|#1:Gup . PutPage ( pages[0] )|} /* done */;
            }
        }
        """, """
        class Qib
        {
            static void A(AddressSpace mm, ulong start, int n)
            {
                var pages = new Page[n];
                int got = {|#2:Gup.PinUserPagesFast(mm, start, n, GupFlags.Write | GupFlags.Longterm, pages)|};
                #region free_pages
                for (int i = 0; i < got; i++)
                    Gup.UnpinUserPage(
                        pages[i]);
                #endregion
            }

            static void B(AddressSpace mm, ulong start)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, start, 1, GupFlags.None, pages) != 1)
                    return;
                /* release */ Gup . UnpinUserPage ( pages[0] ) /* done */;
            }
        }
        """, PinFixKeys.UseUnpin, new[] { Diagnostic("PIN0001"), Diagnostic("PIN0001", 1), Diagnostic("PIN0204", 2) }, new[] { Diagnostic("PIN0204", 2) }, iterations: 2);

    [Fact]
    public Task Pin0001FieldPairingFix() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class IoUringBuffer
        {
            private Page[] pages = Array.Empty<Page>();

            public long Register(AddressSpace mm, ulong ubuf, long nrPages)
            {
                pages = new Page[nrPages];
                return Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
            }

            public void Unregister()
            {
                foreach (var page in pages)
                    {|#0:Gup.PutPage(page)|};
            }
        }
        """, """
        class IoUringBuffer
        {
            private Page[] pages = Array.Empty<Page>();

            public long Register(AddressSpace mm, ulong ubuf, long nrPages)
            {
                pages = new Page[nrPages];
                return Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages);
            }

            public void Unregister()
            {
                foreach (var page in pages)
                    Gup.UnpinUserPage(page);
            }
        }
        """, PinFixKeys.UseUnpin, Diagnostic("PIN0001"));

    [Fact]
    public Task Pin0002UnpinBecomesPutPage() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                int ret = Gup.GetUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                {|#0:Gup.UnpinUserPage(pages[0])|};
                return 0;
            }
        }
        """, """
        class Siw
        {
            static int Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                int ret = Gup.GetUserPagesFast(mm, addr, 1, GupFlags.Write, pages);
                if (ret != 1)
                    return -(int)Errno.EFAULT;
                Gup.PutPage(pages[0]);
                return 0;
            }
        }
        """, PinFixKeys.UsePutPage, Diagnostic("PIN0002"));

    [Fact]
    public Task Pin0002LegacyPutUserPageBecomesPutPage()
    {
        var test = new PinCodeFixTest<ReleaseFamilyCodeFixProvider>("""
        class Videobuf
        {
            static void Release(AddressSpace mm, ulong data)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesUnlocked(mm, data, 1, GupFlags.None, pages) <= 0)
                    return;
                {|#0:Gup.{|#10:PutUserPage|}(pages[0])|};
            }
        }
        """, """
        class Videobuf
        {
            static void Release(AddressSpace mm, ulong data)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesUnlocked(mm, data, 1, GupFlags.None, pages) <= 0)
                    return;
                Gup.PutPage(pages[0]);
            }
        }
        """, PinFixKeys.UsePutPage);
        test.ExpectedDiagnostics.Add(Diagnostic("PIN0002"));
        test.ExpectedDiagnostics.Add(Diagnostic("PIN0301", 10));

        // Nothing remains: the legacy name is gone with the fix. Explicit, or the framework would carry PIN0301
        // (which this fixer does not fix) from the source into the fixed state.
        test.FixedState.InheritanceMode = StateInheritanceMode.Explicit;
        test.FixedState.AdditionalReferences.Clear();
        test.FixedState.AdditionalReferences.Add(TestEnvironment.PinApiReference);
        return test.RunAsync();
    }

    [Fact]
    public Task Pin0002ConvertAcquireAndGetReleasesToPin() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class IoUring
        {
            static int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                // io_sqe_buffer_register
                long pret = {|#1:Gup.GetUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (pret != nrPages)
                {
                    if (pret > 0)
                        {|#0:Gup.UnpinUserPages(pages.AsSpan(0, (int)pret))|};
                    return -(int)Errno.EFAULT;
                }
                for (int i = 0; i < nrPages; i++)
                    Gup.PutPage(pages[i]); // io_sqe_buffer_unregister
                return 0;
            }
        }
        """, """
        class IoUring
        {
            static int Register(AddressSpace mm, ulong ubuf, int nrPages)
            {
                var pages = new Page[nrPages];
                // io_sqe_buffer_register
                long pret = {|#1:Gup.PinUserPages(mm, ubuf, nrPages, GupFlags.Write | GupFlags.Longterm, pages)|};
                if (pret != nrPages)
                {
                    if (pret > 0)
                        Gup.UnpinUserPages(pages.AsSpan(0, (int)pret));
                    return -(int)Errno.EFAULT;
                }
                for (int i = 0; i < nrPages; i++)
                    Gup.UnpinUserPage(pages[i]); // io_sqe_buffer_unregister
                return 0;
            }
        }
        """, PinFixKeys.ConvertAcquireToPin, [Diagnostic("PIN0002"), Diagnostic("PIN0201", 1)],
        // The snippet registers and unregisters in one method, so the converted pin is released on every path.
        [Diagnostic("PIN0204", 1)]);

    [Fact]
    public Task Pin0002ConvertFixAllTwoDiagnosticsOneAcquire() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class Videobuf
        {
            static long Map(AddressSpace mm, ulong data, int n)
            {
                var pages = new Page[n];
                long err = Gup.GetUserPages(mm, data, n, GupFlags.Write, pages);
                if (err != n)
                {
                    if (err > 0)
                        {|#0:Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)err), false)|};
                    return -(int)Errno.EFAULT;
                }
                {|#1:Gup.UnpinUserPagesDirtyLock(pages, true)|};
                return 0;
            }
        }
        """, """
        class Videobuf
        {
            static long Map(AddressSpace mm, ulong data, int n)
            {
                var pages = new Page[n];
                long err = Gup.PinUserPages(mm, data, n, GupFlags.Write, pages);
                if (err != n)
                {
                    if (err > 0)
                        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, (int)err), false);
                    return -(int)Errno.EFAULT;
                }
                Gup.UnpinUserPagesDirtyLock(pages, true);
                return 0;
            }
        }
        """, PinFixKeys.ConvertAcquireToPin, new[] { Diagnostic("PIN0002"), Diagnostic("PIN0002", 1) }, Array.Empty<DiagnosticResult>(), iterations: 1);

    [Fact]
    public Task Pin0002LegacyPutUserPagesConvertsTheAcquire() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class Legacy
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.GetUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                {|#0:Gup.{|#10:PutUserPages|}(pages)|};
            }
        }
        """, """
        class Legacy
        {
            static void Run(AddressSpace mm, ulong addr)
            {
                var pages = new Page[1];
                if (Gup.PinUserPagesFast(mm, addr, 1, GupFlags.None, pages) != 1)
                    return;
                Gup.{|#0:PutUserPages|}(pages);
            }
        }
        """, PinFixKeys.ConvertAcquireToPin, [Diagnostic("PIN0002"), Diagnostic("PIN0301", 10)], [Diagnostic("PIN0301", 0)]);

    [Fact]
    public Task Pin0002ConvertsAFieldFilledByAGetAcquireAcrossMethods() => PinCodeFixTest<ReleaseFamilyCodeFixProvider>.VerifyAsync("""
        class IbUmem
        {
            private readonly Page[] pageList = new Page[16];
            private long npages;

            // ib_umem_get(): the pages stay in the umem until ib_umem_release().
            public long Get(AddressSpace mm, ulong addr)
            {
                using (mm.MmapReadLock())
                    npages = {|#1:Gup.GetUserPages(mm, addr, 16, GupFlags.Write | GupFlags.Longterm, pageList)|};
                return npages;
            }

            // __ib_umem_release()
            public void Release()
            {
                {|#0:Gup.UnpinUserPagesDirtyLock(pageList.AsSpan(0, (int)npages), true)|};
            }
        }
        """, """
        class IbUmem
        {
            private readonly Page[] pageList = new Page[16];
            private long npages;

            // ib_umem_get(): the pages stay in the umem until ib_umem_release().
            public long Get(AddressSpace mm, ulong addr)
            {
                using (mm.MmapReadLock())
                    npages = Gup.PinUserPages(mm, addr, 16, GupFlags.Write | GupFlags.Longterm, pageList);
                return npages;
            }

            // __ib_umem_release()
            public void Release()
            {
                Gup.UnpinUserPagesDirtyLock(pageList.AsSpan(0, (int)npages), true);
            }
        }
        """, PinFixKeys.ConvertAcquireToPin, Diagnostic("PIN0002"), Diagnostic("PIN0201", 1));
}
