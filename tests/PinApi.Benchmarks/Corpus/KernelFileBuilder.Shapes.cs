namespace PinApi.Benchmarks.Corpus;

/// <summary>
/// The method shapes of the kernel-shaped corpus. Each writes a correct method or, for a planted bug, the same method
/// with one small mutation (a release left out, a return left out, a release of the wrong family, a use moved after
/// the release), so seeded and correct methods are not told apart by their outline. The variant names are what the
/// benchmark reports for missed seeds.
/// </summary>
internal sealed partial class KernelFileBuilder
{
    private static readonly (string Shape, int Weight, SeedKind[] Kinds)[] ShapeTable =
    [
        ("single-page", 10, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.UseAfterRelease, SeedKind.Mismatch]),
        ("partial-prefix", 14, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.UseAfterRelease, SeedKind.Mismatch]),
        ("goto-ladder", 14, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.Mismatch]),
        ("chunk-loop", 10, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.UseAfterRelease]),
        ("try-finally", 8, [SeedKind.Leak, SeedKind.DoubleRelease]),
        ("field-pair", 8, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.Mismatch]),
        ("field-buffer", 4, [SeedKind.Leak, SeedKind.DoubleRelease]),
        ("hand-off", 8, [SeedKind.Leak]),
        ("get-family", 8, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.UseAfterRelease, SeedKind.Mismatch]),
        ("two-buffers", 6, [SeedKind.Leak, SeedKind.DoubleRelease]),
        ("conditional-acquire", 6, [SeedKind.Leak, SeedKind.DoubleRelease, SeedKind.UseAfterRelease]),
    ];

    private static readonly string[] Conditions = ["fail", "abort", "busy", "nonblock", "strict", "flush", "verify", "poll"];

    private string PickShape(SeedKind kind)
    {
        var candidates = ShapeTable
            .Where(s => kind == SeedKind.None || s.Kinds.Contains(kind))
            .Where(s => s.Shape != "field-pair" || !fieldPairUsed)
            .Where(s => s.Shape != "field-buffer" || !fieldBufferUsed)
            .Select(s => (s.Shape, s.Weight))
            .ToArray();
        return Weighted(candidates);
    }

    private void WriteShape(string shape, SeedKind kind)
    {
        switch (shape)
        {
            case "single-page": WriteSinglePage(kind); break;
            case "partial-prefix": WritePartialPrefix(kind); break;
            case "goto-ladder": WriteGotoLadder(kind); break;
            case "chunk-loop": WriteChunkLoop(kind); break;
            case "try-finally": WriteTryFinally(kind); break;
            case "field-pair": WriteFieldPair(kind); break;
            case "field-buffer": WriteFieldBuffer(kind); break;
            case "hand-off": WriteHandOff(kind); break;
            case "get-family": WriteGetFamily(kind); break;
            case "two-buffers": WriteTwoBuffers(kind); break;
            default: WriteConditionalAcquire(kind); break;
        }
    }

    private void Add(DualWriter w, string method, string twinMethod, string shape, SeedKind kind, string variant)
    {
        members.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        Truth.Add(new MethodTruth(Path, className, method, twinMethod, shape, kind, kind == SeedKind.None ? "correct" : variant));
    }

    private string Flags(bool write, bool longterm) => (write, longterm) switch
    {
        (true, true) => "GupFlags.Write | GupFlags.Longterm",
        (true, false) => Pick("GupFlags.Write", "GupFlags.Write | GupFlags.Force"),
        (false, true) => "GupFlags.Longterm",
        _ => Pick("GupFlags.None", "GupFlags.None", "0"),
    };

    private (string Mm, string Addr, string N, string Holder, string Ret, string Cond) Names() => (
        Pick("mm", "owner", "space", "target"),
        Pick("addr", "uaddr", "start", "vaddr", "ubuf", "userAddr"),
        Pick("n", "npages", "nrPages", "numPages"),
        Pick("pages", "pageList", "plist", "upages", "hpages", "pagevec"),
        Pick("ret", "got", "pinned", "nr", "rc", "pret"),
        Pick(Conditions));

    // ----- single page: Page page = default; ... new Span<Page>(ref page) (goldfish, mthca, vfio) -----

    private void WriteSinglePage(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, _, _, _, cond) = Names();
        var array = Chance(0.5);
        var holder = array ? Pick("pages", "pagep", "pg") : Pick("page", "upage", "pg");
        var element = array ? $"{holder}[0]" : holder;
        var get = kind == SeedKind.Mismatch ? Chance(0.4) : Chance(0.1);
        var write = !get && Chance(0.4);
        var flags = Flags(write, longterm: false);
        var variant = kind switch
        {
            SeedKind.Leak => Pick("early-return-unreleased", "release-only-when-not-flagged"),
            SeedKind.DoubleRelease => "branch-release-no-return",
            SeedKind.UseAfterRelease => write ? "dirtied-after-release" : "read-after-release",
            SeedKind.Mismatch => get ? "get-released-with-unpin" : "pin-released-with-put_page",
            _ => "correct",
        };

        w.Both($"public static int {name}(AddressSpace {mm}, ulong {addr}, bool {cond})");
        w.Open();
        if (Chance(0.4))
        {
            If(w, $"({addr} & 0xfff) != 0 && {cond}", () => w.Both($"return {Err("EINVAL")};"));
        }

        w.Pin(array ? $"var {holder} = new Page[1];" : $"Page {holder} = default;");
        w.Twin($"var {holder} = new Resource({mm}, {addr}, 1, {flags});");
        var call = $"Gup.{(get ? "Get" : "Pin")}UserPagesFast({mm}, {addr}, 1, {flags}, {(array ? holder : $"new Span<Page>(ref {holder})")})";
        if (Chance(0.5))
        {
            If(w, $"{call} != 1", () => FailExit(w, holder, $"return {Err("EFAULT")};"), $"{holder}.Count != 1");
        }
        else
        {
            var ret = Pick("ret", "rc", "got");
            w.Line($"int {ret} = {call};", $"int {ret} = {holder}.Count;");
            If(w, $"{ret} != 1", () => FailExit(w, holder, $"return {ret} < 0 ? {ret} : {Err("EFAULT")};"));
        }

        w.Line($"int value = {element}.Data[(int)({addr} & 0xfff)];", $"int value = {holder}.Read(0);");
        if (write)
        {
            w.Line($"{element}.Data[0] = (byte)(value + 1);", $"{holder}.Write(0, (byte)(value + 1));");
        }

        void ReleaseOne()
        {
            if (get)
            {
                w.Pin($"Gup.PutPage({element});");
            }
            else if (write)
            {
                w.Pin(Pick($"Gup.UnpinUserPageRangeDirtyLock({element}, 1, true);", $"Gup.SetPageDirtyLock({element});\nGup.UnpinUserPage({element});"));
            }
            else
            {
                w.Pin(array && Chance(0.5) ? $"Gup.UnpinUserPages({holder});" : $"Gup.UnpinUserPage({element});");
            }

            w.Twin($"{holder}.Dispose();");
        }

        if (variant == "early-return-unreleased")
        {
            If(w, cond, () => w.Both($"return {ErrPick()};"));
        }
        else if (variant == "branch-release-no-return")
        {
            If(w, cond, ReleaseOne);
        }
        else if (variant != "release-only-when-not-flagged" && Chance(0.5))
        {
            If(w, cond, () =>
            {
                ReleaseOne();
                w.Both($"return {ErrPick()};");
            });
        }

        if (kind == SeedKind.Mismatch)
        {
            w.Pin(get ? $"Gup.UnpinUserPage({element});" : $"Gup.PutPage({element});");
            w.Twin($"{holder}.Dispose();");
        }
        else if (variant == "release-only-when-not-flagged")
        {
            If(w, $"!{cond}", ReleaseOne);
        }
        else
        {
            ReleaseOne();
        }

        if (kind == SeedKind.UseAfterRelease)
        {
            w.Line(write ? $"Gup.SetPageDirtyLock({element});" : $"value += {element}.Data[1];", write ? $"{holder}.MarkDirty();" : $"value += {holder}.Read(0);");
        }

        w.Both("return value;");
        w.Close();
        Add(w, name, name, "single-page", kind, variant);
    }

    // ----- partial-pin prefix: if (ret != n) { for (i = 0; i < ret; i++) unpin; return -EFAULT; } (io_uring, qib) -----

    private void WritePartialPrefix(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, ret, cond) = Names();
        var acquire = PickAcquire();
        var dma = Chance(0.3);
        var write = dma || Chance(0.15);
        var dirty = write ? "true" : null;
        var ioUring = Chance(0.4);
        var variant = kind switch
        {
            SeedKind.Leak => Pick("partial-prefix-unreleased", "check-return-unreleased", "loop-exit-unreleased"),
            SeedKind.DoubleRelease => Pick("check-release-no-return", "loop-release-then-break"),
            SeedKind.UseAfterRelease => write ? "dirtied-after-release" : "read-after-release",
            SeedKind.Mismatch => "pin-released-with-put_page",
            _ => "correct",
        };

        var parameters = $"AddressSpace {mm}, ulong {addr}, int {n}, bool {cond}" + (dma ? ", DmaDevice dev, ReadOnlySpan<byte> payload" : string.Empty);
        w.Both($"public {(Chance(0.6) ? "static " : string.Empty)}int {name}({parameters})");
        w.Open();
        if (Chance(0.5))
        {
            If(w, $"{n} <= 0 || {n} > {Pick(64, 256, 512, 1024)}", () => w.Both($"return {Err("EINVAL")};"));
        }

        w.Pin($"var {holder} = new Page[{n}];");
        WriteAcquire(w, acquire, holder, ret, declare: true, mm, addr, n, Flags(write, longterm: false));
        if (!ioUring)
        {
            If(w, $"{ret} < 0", () => FailExit(w, holder, $"return {acquire.Count(ret)};"));
        }

        If(w, Chance(0.5) ? $"{ret} != {n}" : $"{ret} < {n}", () =>
        {
            if (variant != "partial-prefix-unreleased")
            {
                Release(w, acquire, holder, ret, mayBeNonPositive: ioUring, dirty: null);
            }

            w.Both($"return {Err("EFAULT")};");
        });

        w.Both("long sum = 0;");
        var loopExit = variant is "loop-release-then-break" or "loop-exit-unreleased" || Chance(0.3);
        Block(w, $"for (int k = 0; k < {n}; k++)", () =>
        {
            if (loopExit)
            {
                If(
                    w,
                    $"{holder}[k].Data[0] == 0xff",
                    () =>
                    {
                        if (variant != "loop-exit-unreleased")
                        {
                            Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
                        }

                        w.Both(variant == "loop-release-then-break" ? "break;" : $"return {Err("EIO")};");
                    },
                    $"{holder}.Read(k) == 0xff");
            }

            w.Line($"sum += {holder}[k].Data[0];", $"sum += {holder}.Read(k);");
        }, allowBraceless: !loopExit);

        if (dma)
        {
            w.Pin($"using (var map = dev.MapPages({holder}.AsSpan(0, {acquire.Count(ret)})))\n    map.DeviceWrite(0, payload);");
            w.Twin($"{holder}.DeviceWrite(dev, 0, payload);");
        }

        if (variant is "check-return-unreleased" or "check-release-no-return" || Chance(0.5))
        {
            var useCond = Chance(0.5);
            If(
                w,
                useCond ? cond : $"!{CheckHelper()}(sum)",
                () =>
                {
                    if (variant != "check-return-unreleased")
                    {
                        Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: dirty);
                    }

                    w.Both(variant == "check-release-no-return" ? "sum = -1;" : $"return {ErrPick()};");
                });
        }

        if (kind == SeedKind.Mismatch)
        {
            WrongRelease(w, acquire, holder, ret);
        }
        else
        {
            Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: dirty);
        }

        if (kind == SeedKind.UseAfterRelease)
        {
            w.Line(write ? $"Gup.SetPageDirtyLock({holder}[0]);" : $"sum += {holder}[0].Data[0];", write ? $"{holder}.MarkDirty();" : $"sum += {holder}.Read(0);");
        }

        w.Both("return (int)sum;");
        w.Close();
        Add(w, name, name, "partial-prefix", kind, variant);
    }

    // ----- goto unwind ladder: err_unpin: unpin; done: return ret; (mthca, ib_umem, vfio) -----

    private void WriteGotoLadder(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, _, _) = Names();
        var ret = Pick("ret", "err", "status");
        var pinned = Pick("pinned", "npinned", "got", "nr");
        var conditions = Conditions.OrderBy(_ => rng.Next()).Take(2).ToArray();
        var handOff = !fieldPairUsed && Chance(0.35);
        var write = handOff && Chance(0.5);
        var acquire = PickAcquire();
        var errUnpin = Pick("err_unpin", "out_unpin", "bail_release", "free_pages", "put_pages");
        var done = Pick("done", "out_free", "err_out", "exit", "bail");
        var variant = kind switch
        {
            SeedKind.Leak => Pick("partial-skips-unwind-label", "step-skips-unwind-label"),
            SeedKind.DoubleRelease => handOff ? "step-releases-then-unwinds" : Pick("step-releases-then-unwinds", "success-falls-into-unwind"),
            SeedKind.Mismatch => "unwind-puts-pins",
            _ => "correct",
        };

        w.Both($"public int {name}(AddressSpace {mm}, ulong {addr}, int {n}, bool {conditions[0]}, bool {conditions[1]})");
        w.Open();
        w.Both($"int {ret} = 0;");
        if (Chance(0.5))
        {
            If(w, $"{n} > {Pick(128, 512, 4096)}", () =>
            {
                w.Both($"{ret} = {Err("EINVAL")};");
                w.Both($"goto {done};");
            });
        }

        w.Pin($"var {holder} = new Page[{n}];");
        WriteAcquire(w, acquire, holder, pinned, declare: true, mm, addr, n, Flags(write, longterm: handOff));
        If(w, $"{pinned} < 0", () =>
        {
            w.Both($"{ret} = {acquire.Count(pinned)};");
            FailExit(w, holder, $"goto {done};");
        });
        If(w, $"{pinned} != {n}", () =>
        {
            w.Both($"{ret} = {Err("EFAULT")};");
            w.Both($"goto {(variant == "partial-skips-unwind-label" ? done : errUnpin)};");
        });

        var steps = rng.Next(1, 4);
        var seeded = rng.Next(steps);
        for (var s = 0; s < steps; s++)
        {
            var target = variant == "step-skips-unwind-label" && s == seeded ? done : errUnpin;
            var releaseFirst = variant == "step-releases-then-unwinds" && s == seeded;
            void Unwind()
            {
                if (releaseFirst)
                {
                    Release(w, acquire, holder, pinned, mayBeNonPositive: false, dirty: null);
                }

                w.Both($"goto {target};");
            }

            switch (Weighted(("setup", 3), ("flag", 3), ("fill", 2), ("check", 2)))
            {
                case "setup":
                    w.Both($"{ret} = {SetupHelper()}({n} + {s});");
                    If(w, $"{ret} != 0", Unwind);
                    break;
                case "flag":
                    If(w, conditions[s % 2], () =>
                    {
                        w.Both($"{ret} = {ErrPick()};");
                        Unwind();
                    });
                    break;
                case "fill":
                    w.Line($"{ret} = {FillHelper()}({holder}.AsSpan(0, {acquire.Count(pinned)}));", $"{ret} = {FillHelper()}({holder});");
                    If(w, $"{ret} < 0", Unwind);
                    break;
                default:
                    If(
                        w,
                        $"!{CheckHelper()}({holder}[0].Data[0])",
                        () =>
                        {
                            w.Both($"{ret} = {Err("EIO")};");
                            Unwind();
                        },
                        $"!{CheckHelper()}({holder}.Read(0))");
                    break;
            }
        }

        (string Field, string Count)? pair = null;
        if (handOff)
        {
            fieldPairUsed = true;
            var field = Unique(Pick("umemPages", "heldPages", "regionPages"));
            var count = Unique(Pick("umemCount", "heldCount", "regionCount"));
            pair = (field, count);
            pinFields.Add($"private Page[] {field} = [];");
            pinFields.Add($"private int {count};");
            twinFields.Add($"private Resource? {field};");
            twinFields.Add($"private int {count};");
            w.Both($"{field} = {holder};");
            w.Both($"{count} = {acquire.Count(pinned)};");
            w.Both("return 0;");
        }
        else
        {
            w.Line($"{ret} = {holder}[0].Data[0];", $"{ret} = {holder}.Read(0);");
            Release(w, acquire, holder, pinned, mayBeNonPositive: false, dirty: null);
            if (variant != "success-falls-into-unwind")
            {
                w.Both($"return {ret};");
            }
        }

        w.Label(errUnpin);
        if (kind == SeedKind.Mismatch)
        {
            WrongRelease(w, acquire, holder, pinned);
        }
        else
        {
            Release(w, acquire, holder, pinned, mayBeNonPositive: false, dirty: null);
        }

        w.Label(done);
        w.Both($"return {ret};");
        w.Close();
        Add(w, name, name, "goto-ladder", kind, variant);
        if (pair is { } p)
        {
            WriteUnregister(p.Field, p.Count, write, SeedKind.None, "goto-ladder");
        }
    }

    // ----- chunked pin loop: while (done < nr) { pin chunk; use; unpin; } (process_vm_access, ib_umem) -----

    private void WriteChunkLoop(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, got, cond) = Names();
        var acquire = PickAcquire();
        var chunkSize = Pick(16, 32, 64);
        var variant = kind switch
        {
            SeedKind.Leak => Pick("early-return-in-loop", "break-without-release"),
            SeedKind.DoubleRelease => "branch-release-no-exit",
            SeedKind.UseAfterRelease => "read-after-release-in-loop",
            _ => "correct",
        };

        w.Both($"public static long {name}(AddressSpace {mm}, ulong {addr}, long {n}, bool {cond})");
        w.Open();
        w.Pin($"var {holder} = new Page[{chunkSize}];");
        w.Both("long done = 0;");
        w.Both("long sum = 0;");
        Block(
            w,
            $"while (done < {n})",
            () =>
            {
                w.Both($"int chunk = (int)Math.Min({chunkSize}, {n} - done);");
                WriteAcquire(w, acquire, holder, got, declare: true, mm, $"{addr} + (ulong)done * 4096", "chunk", Flags(false, false));
                If(w, $"{got} <= 0", () => FailExit(w, holder, Pick($"return done > 0 ? done : {Err("EFAULT")};", "break;")));
                Block(w, $"for (int k = 0; k < {got}; k++)", () => w.Line($"sum += {holder}[k].Data[0];", $"sum += {holder}.Read(k);"));
                if (variant is "early-return-in-loop" or "break-without-release" or "branch-release-no-exit" || Chance(0.5))
                {
                    var exit = variant == "break-without-release" || (variant == "correct" && Chance(0.5)) ? "break;" : $"return {Err("EOVERFLOW")};";
                    If(w, Chance(0.5) ? cond : $"sum > {Pick("1L << 40", "int.MaxValue")}", () =>
                    {
                        if (variant is not ("early-return-in-loop" or "break-without-release"))
                        {
                            Release(w, acquire, holder, got, mayBeNonPositive: false, dirty: null);
                        }

                        w.Both(variant == "branch-release-no-exit" ? "sum = 0;" : exit);
                    });
                }

                Release(w, acquire, holder, got, mayBeNonPositive: false, dirty: null);
                if (kind == SeedKind.UseAfterRelease)
                {
                    w.Line($"sum += {holder}[0].Data[0];", $"sum += {holder}.Read(0);");
                }

                w.Both($"done += {got};");
            },
            allowBraceless: false);
        w.Both("return sum >= 0 ? done : -1;");
        w.Close();
        Add(w, name, name, "chunk-loop", kind, variant);
    }

    // ----- try/finally and catch-rethrow (siw, via) -----

    private void WriteTryFinally(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, ret, _) = Names();
        var acquire = PickAcquire();
        var variant = kind switch
        {
            SeedKind.Leak => Pick("catch-only-release", "return-inside-try-unreleased"),
            SeedKind.DoubleRelease => Pick("released-in-try-and-finally", "catch-no-rethrow"),
            _ => "correct",
        };
        var finallyStyle = variant switch
        {
            "released-in-try-and-finally" => true,
            "correct" => Chance(0.6),
            _ => false,
        };

        w.Both($"public static int {name}(AddressSpace {mm}, ulong {addr}, int {n})");
        w.Open();
        w.Pin($"var {holder} = new Page[{n}];");
        WriteAcquire(w, acquire, holder, ret, declare: true, mm, addr, n, Flags(false, false));
        If(w, $"{ret} <= 0", () => FailExit(w, holder, $"return {Err("EFAULT")};"));
        if (finallyStyle)
        {
            w.Both("try");
            w.Open();
            w.Both("long sum = 0;");
            var poisoned = Pick($"return {Err("EIO")};", "throw new InvalidOperationException(\"poisoned page\");");
            Block(
                w,
                $"for (int k = 0; k < {ret}; k++)",
                () =>
                {
                    If(w, $"{holder}[k].Data[0] == 0xff", () => w.Both(poisoned), $"{holder}.Read(k) == 0xff");
                    w.Line($"sum += {holder}[k].Data[0];", $"sum += {holder}.Read(k);");
                },
                allowBraceless: false);
            if (variant == "released-in-try-and-finally")
            {
                Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
            }

            w.Both("return (int)sum;");
            w.Close();
            w.Both("finally");
            w.Open();
            Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
            w.Close();
        }
        else
        {
            w.Both("long sum = 0;");
            w.Both("try");
            w.Open();
            Block(
                w,
                $"for (int k = 0; k < {ret}; k++)",
                () =>
                {
                    If(w, $"{holder}[k].Data[0] == 0xff", () => w.Both("throw new IOException(\"poisoned page\");"), $"{holder}.Read(k) == 0xff");
                    w.Line($"sum += {holder}[k].Data[0];", $"sum += {holder}.Read(k);");
                },
                allowBraceless: false);
            if (variant == "return-inside-try-unreleased")
            {
                If(w, "sum == 0", () => w.Both("return 0;"));
            }
            else if (Chance(0.3))
            {
                If(w, "sum == 0", () =>
                {
                    Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
                    w.Both("return 0;");
                });
            }

            w.Close();
            // Not InvalidOperationException: PinApi's PinStateException is one, and a failing release must not be released again.
            w.Both("catch (IOException)");
            w.Open();
            Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
            if (variant != "catch-no-rethrow")
            {
                w.Both("throw;");
            }

            w.Close();
            if (variant != "catch-only-release")
            {
                Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
            }

            w.Both("return (int)sum;");
        }

        w.Close();
        Add(w, name, name, "try-finally", kind, variant);
    }

    // ----- register / unregister through fields (ib_umem, qib, hfi1): released in another method -----

    private void WriteFieldPair(SeedKind kind)
    {
        fieldPairUsed = true;
        var w = new DualWriter();
        var name = Unique(Pick("Register", "GetUmem", "PinBuffer", "Attach", "Import"));
        var (mm, addr, n, holder, got, _) = Names();
        var field = Unique(Pick("userPages", "umemPages", "heldPages", "pinnedPages"));
        var count = Unique(Pick("npagesPinned", "nrPinned", "pinnedCount"));
        var write = Chance(0.6);
        var acquire = PickAcquire();
        var registerLeak = kind == SeedKind.Leak && Chance(0.5);
        pinFields.Add($"private Page[] {field} = [];");
        pinFields.Add($"private int {count};");
        twinFields.Add($"private Resource? {field};");
        twinFields.Add($"private int {count};");

        w.Both($"public int {name}(AddressSpace {mm}, ulong {addr}, int {n})");
        w.Open();
        If(w, $"{count} != 0", () => w.Both($"return {Err("EBUSY")};"));
        w.Pin($"var {holder} = new Page[{n}];");
        WriteAcquire(w, acquire, holder, got, declare: true, mm, addr, n, Flags(write, longterm: true));
        If(w, $"{got} != {n}", () =>
        {
            if (!registerLeak)
            {
                Release(w, acquire, holder, got, mayBeNonPositive: true, dirty: null);
            }

            w.Both($"return {Err("EFAULT")};");
        });
        w.Both($"{field} = {holder};");
        w.Both($"{count} = {acquire.Count(got)};");
        w.Both("return 0;");
        w.Close();
        Add(w, name, name, "field-pair", registerLeak ? SeedKind.Leak : SeedKind.None, "register-partial-prefix-unreleased");
        WriteUnregister(field, count, write, registerLeak ? SeedKind.None : kind, "field-pair");
    }

    /// <summary>The release half of a field pair; in the twin it is the class's Dispose().</summary>
    private void WriteUnregister(string field, string count, bool write, SeedKind kind, string shape)
    {
        var w = new DualWriter();
        var name = Unique(Pick("Unregister", "Release", "Teardown", "Destroy", "PutUmem"));
        var variant = kind switch
        {
            SeedKind.Leak => "unregister-early-return-unreleased",
            SeedKind.DoubleRelease => "unregister-released-twice",
            SeedKind.Mismatch => "unregister-puts-pins",
            _ => "correct",
        };
        w.Line($"public void {name}()", "public void Dispose()");
        w.Open();
        if (kind == SeedKind.Leak)
        {
            var busy = Unique(Pick("mapped", "inUse", "busy"));
            pinFields.Add($"private bool {busy};");
            twinFields.Add($"private bool {busy};");
            If(w, busy, () => w.Both("return;"));
        }
        else if (Chance(0.4))
        {
            If(w, $"{count} == 0", () => w.Both("return;"));
        }

        void ReleaseField(bool dirtyRelease)
        {
            if (dirtyRelease)
            {
                w.Pin($"Gup.UnpinUserPagesDirtyLock({field}.AsSpan(0, {count}), true);");
            }
            else
            {
                w.Pin(Chance(0.5) ? $"Gup.UnpinUserPages({field}.AsSpan(0, {count}));" : $"for (int i = 0; i < {count}; i++)\n    Gup.UnpinUserPage({field}[i]);");
            }

            w.Twin($"{field}?.Dispose();");
        }

        if (kind == SeedKind.Mismatch)
        {
            Block(w, $"for (int i = 0; i < {count}; i++)", () => w.Pin($"Gup.PutPage({field}[i]);"));
            w.Twin($"{field}?.Dispose();");
        }
        else if (kind == SeedKind.DoubleRelease)
        {
            var dirtyField = Unique(Pick("dirtyOnRelease", "wasWritten", "deviceWrote"));
            pinFields.Add($"private bool {dirtyField};");
            twinFields.Add($"private bool {dirtyField};");
            If(w, dirtyField, () => ReleaseField(true));
            ReleaseField(false);
        }
        else
        {
            ReleaseField(write);
        }

        w.Line($"{field} = [];", $"{field} = null;");
        w.Both($"{count} = 0;");
        w.Close();
        Add(w, name, "Dispose", shape, kind, variant);
    }

    // ----- a preallocated buffer in a field, pinned and released in one method (goldfish pipe) -----

    private void WriteFieldBuffer(SeedKind kind)
    {
        fieldBufferUsed = true;
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, _, _, cond) = Names();
        var buffer = Unique(Pick("pipePages", "bouncePages", "cmdPages"));
        var gate = Unique(Pick("pipeLock", "cmdLock", "sync"));
        var max = Pick(16, 64, 336);
        var variant = kind switch
        {
            SeedKind.Leak => "field-buffer-early-return-unreleased",
            SeedKind.DoubleRelease => "field-buffer-release-no-return",
            _ => "correct",
        };
        pinFields.Add($"private readonly Page[] {buffer} = new Page[{max}];");
        twinFields.Add($"private Resource? {buffer};");
        pinFields.Add($"private readonly object {gate} = new();");
        twinFields.Add($"private readonly object {gate} = new();");

        w.Both($"public int {name}(AddressSpace {mm}, ulong {addr}, int {n}, bool isWrite, bool {cond})");
        w.Open();
        If(w, $"{n} > {max}", () => w.Both($"{n} = {max};"));
        w.Both($"lock ({gate})");
        w.Open();
        w.Pin($"int count = Gup.PinUserPagesFast({mm}, {addr}, {n}, isWrite ? GupFlags.None : GupFlags.Write, {buffer});");
        w.Twin($"{buffer} = new Resource({mm}, {addr}, {n}, isWrite ? GupFlags.None : GupFlags.Write);");
        w.Twin($"int count = {buffer}.Count;");
        If(w, "count <= 0", () => FailExit(w, buffer, $"return {Err("EFAULT")};"));
        w.Both("int consumed = 0;");
        Block(w, "for (int k = 0; k < count; k++)", () => w.Line($"consumed += {buffer}[k].Data[0] & 1;", $"consumed += {buffer}.Read(k) & 1;"));
        void ReleaseBuffer(string dirty)
        {
            w.Pin($"Gup.UnpinUserPagesDirtyLock({buffer}.AsSpan(0, count), {dirty});");
            w.Twin($"{buffer}.Dispose();");
        }

        if (kind != SeedKind.None || Chance(0.6))
        {
            If(w, cond, () =>
            {
                if (kind != SeedKind.Leak)
                {
                    ReleaseBuffer("false");
                }

                w.Both(kind == SeedKind.DoubleRelease ? "consumed = 0;" : $"return {Err("EAGAIN")};");
            });
        }

        ReleaseBuffer("!isWrite && consumed > 0");
        w.Both("return consumed;");
        w.Close();
        w.Close();
        Add(w, name, name, "field-buffer", kind, variant);
    }

    // ----- hand-off: return the pages, an out parameter, or a [TakesOwnership] parameter (usnic, hfi1) -----

    private void WriteHandOff(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, ret, cond) = Names();
        var acquire = PickAcquire();
        var style = Pick("return", "out", "keep");
        var write = Chance(0.3);
        var variant = kind == SeedKind.Leak ? $"rejected-after-pin-unreleased ({style})" : "correct";
        var fail = style == "return" ? "null" : Err("EFAULT");
        var parameters = $"AddressSpace {mm}, ulong {addr}, int {n}, bool {cond}";
        switch (style)
        {
            case "return":
                w.Line($"public static Page[]? {name}({parameters})", $"public static Resource? {name}({parameters})");
                w.Open();
                break;
            case "out":
                w.Line($"public static int {name}({parameters}, out Page[]? result)", $"public static int {name}({parameters}, out Resource? result)");
                w.Open();
                w.Both("result = null;");
                break;
            default:
                w.Both($"public static int {name}({parameters})");
                w.Open();
                break;
        }

        w.Pin($"var {holder} = new Page[{n}];");
        WriteAcquire(w, acquire, holder, ret, declare: true, mm, addr, n, Flags(write, longterm: true));
        If(w, $"{ret} != {n}", () =>
        {
            Release(w, acquire, holder, ret, mayBeNonPositive: true, dirty: null);
            w.Both($"return {fail};");
        });
        if (kind == SeedKind.Leak || Chance(0.6))
        {
            var useCond = Chance(0.5);
            If(
                w,
                useCond ? cond : $"!{CheckHelper()}({holder}[0].Data[0])",
                () =>
                {
                    if (kind != SeedKind.Leak)
                    {
                        Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
                    }

                    w.Both($"return {fail};");
                },
                useCond ? cond : $"!{CheckHelper()}({holder}.Read(0))");
        }

        switch (style)
        {
            case "return":
                w.Both($"return {holder};");
                break;
            case "out":
                w.Both($"result = {holder};");
                w.Both($"return {acquire.Count(ret)};");
                break;
            default:
                w.Both($"{KeepHelper()}({holder}, {ret});");
                w.Both("return 0;");
                break;
        }

        w.Close();
        Add(w, name, name, "hand-off", kind, variant);
    }

    // ----- the GET family: get_user_pages + put_page, read-only (pre-series drivers) -----

    private void WriteGetFamily(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, ret, cond) = Names();
        var acquire = PickAcquire(get: true);
        var variant = kind switch
        {
            SeedKind.Leak => "early-return-unreleased",
            SeedKind.DoubleRelease => "branch-release-no-return",
            SeedKind.UseAfterRelease => "read-after-put",
            SeedKind.Mismatch => "get-released-with-unpin",
            _ => "correct",
        };
        w.Both($"public static int {name}(AddressSpace {mm}, ulong {addr}, int {n}, bool {cond})");
        w.Open();
        w.Pin($"var {holder} = new Page[{n}];");
        WriteAcquire(w, acquire, holder, ret, declare: true, mm, addr, n, Pick("GupFlags.None", "0", "GupFlags.Force"));
        If(w, $"{ret} <= 0", () => FailExit(w, holder, $"return {Err("EFAULT")};"));
        w.Both("int sum = 0;");
        Block(w, $"for (int k = 0; k < {ret}; k++)", () => w.Line($"sum += {holder}[k].Data[0];", $"sum += {holder}.Read(k);"));
        if (kind is SeedKind.Leak or SeedKind.DoubleRelease || Chance(0.5))
        {
            If(w, cond, () =>
            {
                if (kind != SeedKind.Leak)
                {
                    Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
                }

                w.Both(kind == SeedKind.DoubleRelease ? "sum = 0;" : $"return {ErrPick()};");
            });
        }

        if (kind == SeedKind.Mismatch)
        {
            WrongRelease(w, acquire, holder, ret);
        }
        else
        {
            Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
        }

        if (kind == SeedKind.UseAfterRelease)
        {
            w.Line($"sum += {holder}[0].Data[0];", $"sum += {holder}.Read(0);");
        }

        w.Both("return sum;");
        w.Close();
        Add(w, name, name, "get-family", kind, variant);
    }

    // ----- two buffers: copy between two pinned ranges (process_vm_access, vhost) -----

    private void WriteTwoBuffers(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, _, n, _, _, _) = Names();
        var (source, target) = Pick(("src", "dst"), ("srcPages", "dstPages"), ("from", "to"));
        var (a, b) = Pick(("nsrc", "ndst"), ("gotSrc", "gotDst"), ("a", "b"));
        var acquire = PickAcquire();
        var variant = kind switch
        {
            SeedKind.Leak => "second-acquire-fails-first-kept",
            SeedKind.DoubleRelease => "check-release-no-return",
            _ => "correct",
        };
        w.Both($"public static int {name}(AddressSpace {mm}, ulong srcAddr, ulong dstAddr, int {n})");
        w.Open();
        w.Pin($"var {source} = new Page[{n}];");
        w.Pin($"var {target} = new Page[{n}];");
        WriteAcquire(w, acquire, source, a, declare: true, mm, "srcAddr", n, Flags(false, false));
        If(w, $"{a} != {n}", () =>
        {
            Release(w, acquire, source, a, mayBeNonPositive: true, dirty: null);
            w.Both($"return {Err("EFAULT")};");
        });
        WriteAcquire(w, acquire, target, b, declare: true, mm, "dstAddr", n, Flags(true, false));
        If(w, $"{b} != {n}", () =>
        {
            if (kind != SeedKind.Leak)
            {
                Release(w, acquire, source, a, mayBeNonPositive: false, dirty: null);
            }

            Release(w, acquire, target, b, mayBeNonPositive: true, dirty: null);
            w.Both($"return {Err("EFAULT")};");
        });
        Block(w, $"for (int k = 0; k < {n}; k++)", () => w.Line($"{target}[k].Data[0] = {source}[k].Data[0];", $"{target}.Write(k, {source}.Read(k));"));
        var status = Pick("status", "result");
        w.Both($"int {status} = {n};");
        if (kind == SeedKind.DoubleRelease || Chance(0.4))
        {
            If(
                w,
                $"{target}[0].Data[0] != {source}[0].Data[0]",
                () =>
                {
                    Release(w, acquire, target, b, mayBeNonPositive: false, dirty: "true");
                    Release(w, acquire, source, a, mayBeNonPositive: false, dirty: null);
                    w.Both(kind == SeedKind.DoubleRelease ? $"{status} = {Err("EIO")};" : $"return {Err("EIO")};");
                },
                $"{target}.Read(0) != {source}.Read(0)");
        }

        Release(w, acquire, target, b, mayBeNonPositive: false, dirty: "true");
        Release(w, acquire, source, a, mayBeNonPositive: false, dirty: null);
        w.Both($"return {status};");
        w.Close();
        Add(w, name, name, "two-buffers", kind, variant);
    }

    // ----- conditional acquire: fast or slow path into the same buffer -----

    private void WriteConditionalAcquire(SeedKind kind)
    {
        var w = new DualWriter();
        var name = MethodName();
        var (mm, addr, n, holder, ret, cond) = Names();
        var fast = Pick("fast", "atomicOk", "tryFast");
        var flags = Flags(false, false);
        var acquire = new Acquire { Api = "Unlocked" };
        var variant = kind switch
        {
            SeedKind.Leak => "early-return-unreleased",
            SeedKind.DoubleRelease => "branch-release-no-return",
            SeedKind.UseAfterRelease => "read-after-release",
            _ => "correct",
        };
        w.Both($"public static long {name}(AddressSpace {mm}, ulong {addr}, int {n}, bool {fast}, bool {cond})");
        w.Open();
        w.Pin($"var {holder} = new Page[{n}];");
        w.Pin($"long {ret};");
        w.Twin($"Resource {holder};");
        w.Both($"if ({fast})");
        w.Line($"    {ret} = Gup.PinUserPagesFast({mm}, {addr}, {n}, {flags}, {holder});", $"    {holder} = new Resource({mm}, {addr}, {n}, {flags});");
        w.Both("else");
        w.Line($"    {ret} = Gup.PinUserPagesUnlocked({mm}, {addr}, {n}, {flags}, {holder});", $"    {holder} = new Resource({mm}, {addr}, {n}, {flags});");
        w.Twin($"long {ret} = {holder}.Count;");
        If(w, $"{ret} <= 0", () => FailExit(w, holder, $"return {Err("EFAULT")};"));
        w.Both("long sum = 0;");
        Block(w, $"for (int k = 0; k < {ret}; k++)", () => w.Line($"sum += {holder}[k].Data[0];", $"sum += {holder}.Read(k);"));
        if (kind is SeedKind.Leak or SeedKind.DoubleRelease || Chance(0.5))
        {
            If(w, cond, () =>
            {
                if (kind != SeedKind.Leak)
                {
                    Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
                }

                w.Both(kind == SeedKind.DoubleRelease ? "sum = 0;" : $"return {ErrPick()};");
            });
        }

        Release(w, acquire, holder, ret, mayBeNonPositive: false, dirty: null);
        if (kind == SeedKind.UseAfterRelease)
        {
            w.Line($"sum += {holder}[0].Data[0];", $"sum += {holder}.Read(0);");
        }

        w.Both("return sum;");
        w.Close();
        Add(w, name, name, "conditional-acquire", kind, variant);
    }
}
