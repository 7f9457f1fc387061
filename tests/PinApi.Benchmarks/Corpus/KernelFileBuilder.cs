namespace PinApi.Benchmarks.Corpus;

/// <summary>
/// Writes one driver file of the kernel-shaped corpus in both renderings (see <see cref="KernelCorpusGenerator"/>).
/// Shapes live in KernelFileBuilder.Shapes.cs; this part holds the file frame, names, the per-file helpers and the
/// statement helpers every shape uses.
/// </summary>
internal sealed partial class KernelFileBuilder
{
    private static readonly string[] Drivers =
    [
        "IbUmem", "QibUserPages", "Hfi1Pin", "SiwMem", "UsnicUiom", "VfioType1", "GoldfishPipe", "ViaDmablit", "MthcaMemfree",
        "XdpUmem", "IoUringRsrc", "RdsRdma", "FpgaDflAfu", "VhostScsi", "VideobufDmaSg", "NvmePassthru", "HabanaMmu", "GenwqeDdcb",
        "RioMport", "ScifRma", "TeeShm", "CxlMailbox", "SgioBlock", "MlxCq", "BnxtReUmem", "EfaMr", "QedrIwarp", "VmciQp",
        "XenPrivcmd", "AmdgpuUserptr", "I915Userptr", "RadeonTtm", "DrmPrime", "Ceph", "Fuse", "NfsDirect", "Zonefs", "Pvrdma",
    ];

    private static readonly string[] Subsystems = ["Infiniband", "Vfio", "Platform", "Gpu", "Net", "Block", "Media", "Misc", "Fs", "Virt"];

    private static readonly string[] Verbs =
    [
        "Map", "Pin", "Register", "Transfer", "Copy", "Probe", "Prefault", "Submit", "Import", "Attach", "Load", "Fill", "Setup",
        "Queue", "Sync", "Read", "Write", "Fetch", "Bind", "Grab", "Lock", "Populate", "Scan",
    ];

    private static readonly string[] Nouns =
    [
        "UserBuffer", "Region", "Pages", "Sgl", "Vec", "Umem", "Chunk", "Range", "Frame", "Descriptor", "Ring", "Window",
        "Segment", "Iov", "Doorbell", "Mr", "Dma", "Slot", "Table", "Queue",
    ];

    private readonly Random rng;
    private readonly string className;
    private readonly string subsystem;
    private readonly List<string> pinFields = [];
    private readonly List<string> twinFields = [];
    private readonly List<(List<string> Pin, List<string> Twin)> members = [];
    private readonly List<(List<string> Pin, List<string> Twin)> helpers = [];
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private bool fieldPairUsed;
    private bool fieldBufferUsed;
    private string? releaseWrapper;
    private string? acquireWrapper;
    private string? keepHelper;
    private string? checkHelper;
    private string? setupHelper;
    private string? fillHelper;

    public KernelFileBuilder(Random rng, int index)
    {
        this.rng = rng;
        className = $"{Pick(Drivers)}{index:D4}";
        subsystem = Pick(Subsystems);
        names.Add(className);
    }

    public string Path => className + ".cs";

    public List<MethodTruth> Truth { get; } = [];

    public string PinText { get; private set; } = string.Empty;

    public string TwinText { get; private set; } = string.Empty;

    public void Build()
    {
        // Per-file conventions, as in a real driver: some wrap the GUP calls in helpers that carry contracts.
        if (Chance(0.25))
        {
            releaseWrapper = Unique(Pick("ReleaseUserPages", "PutPinned", "DropPages", "UnpinRange"));
        }

        if (Chance(0.15))
        {
            acquireWrapper = Unique(Pick("PinRange", "GetPinned", "GrabPages", "PinUser"));
        }

        var count = Weighted((1, 25), (2, 45), (3, 30));
        for (var i = 0; i < count; i++)
        {
            var kind = Chance(KernelCorpusGenerator.SeededFraction) ? Weighted(KernelCorpusGenerator.KindWeights) : SeedKind.None;
            var shape = PickShape(kind);
            WriteShape(shape, kind);
        }

        // Plain code around the page handling: most of a driver is not GUP.
        var plain = Weighted((1, 50), (2, 35), (3, 15));
        for (var i = 0; i < plain; i++)
        {
            WritePlainMethod();
        }

        WriteHelpers();
        PinText = Assemble(pin: true);
        TwinText = Assemble(pin: false);
    }

    private string Assemble(bool pin)
    {
        var text = new System.Text.StringBuilder();
        text.Append("using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing PinApi;\n");
        text.Append(pin ? "using PinApi.Contracts;\n" : $"using {KernelCorpusGenerator.TwinNamespace};\n");
        text.Append($"\nnamespace Kernel.Drivers.{subsystem};\n\n");
        text.Append($"/// <summary>{className}: a driver of the benchmark corpus ({(pin ? "PinApi" : "IDisposable twin")}).</summary>\n");
        text.Append($"public sealed class {className}{(!pin && fieldPairUsed ? " : IDisposable" : string.Empty)}\n{{\n");
        foreach (var field in pin ? pinFields : twinFields)
        {
            text.Append("    ").Append(field).Append('\n');
        }

        foreach (var (pinLines, twinLines) in members.Concat(helpers))
        {
            text.Append('\n');
            foreach (var line in pin ? pinLines : twinLines)
            {
                text.Append(line.Length == 0 ? string.Empty : "    " + line).Append('\n');
            }
        }

        text.Append("}\n");
        return text.ToString();
    }

    // ----- randomness and names -----

    private bool Chance(double p) => rng.NextDouble() < p;

    private T Pick<T>(params T[] options) => options[rng.Next(options.Length)];

    private T Weighted<T>(params (T Value, int Weight)[] options)
    {
        var roll = rng.Next(options.Sum(o => o.Weight));
        foreach (var (value, weight) in options)
        {
            if (roll < weight)
            {
                return value;
            }

            roll -= weight;
        }

        return options[^1].Value;
    }

    private string Unique(string name)
    {
        var candidate = name;
        for (var i = 2; !names.Add(candidate); i++)
        {
            candidate = name + i;
        }

        return candidate;
    }

    private string MethodName() => Unique(Pick(Verbs) + Pick(Nouns));

    private static string Err(string errno) => $"-(int)Errno.{errno}";

    private string ErrPick() => Err(Pick("EFAULT", "EIO", "ENOMEM", "EAGAIN", "EINVAL", "EBUSY", "EINTR"));

    private string CheckHelper() => checkHelper ??= Unique(Pick("IsValidByte", "CheckPattern", "Accept", "PageLooksSane"));

    private string SetupHelper() => setupHelper ??= Unique(Pick("SetupTable", "AllocDescriptors", "ChargeLocked", "ReserveSlots"));

    private string FillHelper() => fillHelper ??= Unique(Pick("FillSgl", "BuildSgTable", "ScanPages", "SumPages"));

    private string KeepHelper() => keepHelper ??= Unique(Pick("KeepPages", "Adopt", "StashPinned", "RegisterPinned"));

    // ----- statement helpers (both renderings at once) -----

    /// <summary><c>if (cond) body</c>, braces dropped at random for one-statement bodies (per side).</summary>
    private void If(DualWriter w, string condition, Action body, string? twinCondition = null)
    {
        var (pinBody, twinBody) = w.Capture(body);
        var braceless = Chance(0.4);
        w.Emit(true, $"if ({condition})", pinBody, braceless);
        w.Emit(false, $"if ({twinCondition ?? condition})", twinBody, braceless);
    }

    /// <summary>A loop or other block header with its body.</summary>
    private void Block(DualWriter w, string header, Action body, string? twinHeader = null, bool allowBraceless = true)
    {
        var (pinBody, twinBody) = w.Capture(body);
        var braceless = allowBraceless && Chance(0.4);
        w.Emit(true, header, pinBody, braceless);
        w.Emit(false, twinHeader ?? header, twinBody, braceless);
    }

    /// <summary>An exit after a failed acquire: the PinApi code holds nothing, the twin still owns its Resource.</summary>
    private static void FailExit(DualWriter w, string holder, params string[] statements)
    {
        w.Twin($"{holder}.Dispose();");
        foreach (var statement in statements)
        {
            w.Both(statement);
        }
    }

    /// <summary>How a method acquires: which GUP entry point (or the file's contract-marked wrapper) and family.</summary>
    private sealed class Acquire
    {
        public required string Api { get; init; }

        public bool Get { get; init; }

        public string CountType => Api is "Fast" or "Wrapper" ? "int" : "long";

        public string Count(string ret) => CountType == "int" ? ret : $"(int){ret}";
    }

    private Acquire PickAcquire(bool get = false, bool allowWrapper = true)
    {
        if (!get && allowWrapper && acquireWrapper is not null && Chance(0.6))
        {
            return new Acquire { Api = "Wrapper" };
        }

        return new Acquire { Api = Weighted(("Fast", 50), ("Unlocked", 25), ("Locked", 25)), Get = get };
    }

    /// <summary>
    /// Writes the acquire: <paramref name="retDeclaration"/> is <c>"int ret = "</c> (declares) or <c>"ret = "</c>
    /// (assigns). The PinApi side fills the already declared buffer; the twin creates its Resource here.
    /// </summary>
    private void WriteAcquire(DualWriter w, Acquire acquire, string holder, string ret, bool declare, string mm, string address, string count, string flags)
    {
        var family = acquire.Get ? "Get" : "Pin";
        var call = acquire.Api switch
        {
            "Fast" => $"Gup.{family}UserPagesFast({mm}, {address}, {count}, {flags}, {holder})",
            "Unlocked" => $"Gup.{family}UserPagesUnlocked({mm}, {address}, {count}, {flags}, {holder})",
            "Locked" => $"Gup.{family}UserPages({mm}, {address}, {count}, {flags}, {holder})",
            _ => $"{acquireWrapper}({mm}, {address}, {count}, {flags}, {holder})",
        };
        var creation = acquire.Api == "Wrapper"
            ? $"{acquireWrapper}({mm}, {address}, {count}, {flags})"
            : $"new Resource({mm}, {address}, {count}, {flags})";
        w.Twin($"var {holder} = {creation};");
        if (acquire.Api == "Locked")
        {
            if (declare)
            {
                w.Both($"{acquire.CountType} {ret};");
            }

            Block(w, $"using ({mm}.MmapReadLock())", () => w.Line($"{ret} = {call};", $"{ret} = {holder}.Count;"), allowBraceless: false);
            return;
        }

        var prefix = declare ? $"{acquire.CountType} {ret} = " : $"{ret} = ";
        w.Line($"{prefix}{call};", $"{prefix}{holder}.Count;");
    }

    /// <summary>
    /// Releases the <paramref name="ret"/> references in <paramref name="holder"/>, in one of the styles kernel code
    /// uses; <paramref name="mayBeNonPositive"/> when <paramref name="ret"/> may still be an errno (then span
    /// releases are guarded with <c>ret &gt; 0</c>, loops need no guard). The twin disposes.
    /// </summary>
    private void Release(DualWriter w, Acquire acquire, string holder, string ret, bool mayBeNonPositive, string? dirty, string? style = null)
    {
        var count = acquire.Count(ret);
        if (acquire.Get)
        {
            Block(w, $"for (int i = 0; i < {ret}; i++)", () => w.Pin($"Gup.PutPage({holder}[i]);"));
            w.Twin($"{holder}.Dispose();");
            return;
        }

        style ??= releaseWrapper is not null && Chance(0.5)
            ? "wrapper"
            : dirty is not null ? Pick("dirty", "dirty", "loop") : Pick("span", "span", "loop");
        switch (style)
        {
            case "loop":
                Block(w, $"for (int i = 0; i < {ret}; i++)", () => w.Pin(dirty is null ? $"Gup.UnpinUserPage({holder}[i]);" : $"Gup.UnpinUserPageRangeDirtyLock({holder}[i], 1, {dirty});"));
                w.Twin($"{holder}.Dispose();");
                return;
            case "wrapper":
                Guarded(() => w.Pin($"{releaseWrapper}({holder}.AsSpan(0, {count}), {dirty ?? "false"});"));
                w.Twin($"{releaseWrapper}({holder}, {dirty ?? "false"});");
                return;
            case "dirty":
                Guarded(() => w.Pin($"Gup.UnpinUserPagesDirtyLock({holder}.AsSpan(0, {count}), {dirty ?? "false"});"));
                w.Twin($"{holder}.Dispose();");
                return;
            default:
                Guarded(() => w.Pin($"Gup.UnpinUserPages({holder}.AsSpan(0, {count}));"));
                w.Twin($"{holder}.Dispose();");
                return;
        }

        void Guarded(Action release)
        {
            if (mayBeNonPositive)
            {
                If(w, $"{ret} > 0", release);
            }
            else
            {
                release();
            }
        }
    }

    /// <summary>A release of the wrong family (the seeded PIN0001/PIN0002); the twin disposes as usual.</summary>
    private void WrongRelease(DualWriter w, Acquire acquire, string holder, string ret)
    {
        if (acquire.Get)
        {
            w.Pin(Chance(0.5)
                ? $"Gup.UnpinUserPages({holder}.AsSpan(0, {acquire.Count(ret)}));"
                : $"for (int i = 0; i < {ret}; i++)\n    Gup.UnpinUserPage({holder}[i]);");
        }
        else
        {
            Block(w, $"for (int i = 0; i < {ret}; i++)", () => w.Pin($"Gup.PutPage({holder}[i]);"));
        }

        w.Twin($"{holder}.Dispose();");
    }

    // ----- plain methods and the file's helpers -----

    private void WritePlainMethod()
    {
        var w = new DualWriter();
        var name = Unique(Pick("Checksum", "AlignUp", "CountBits", "Hash", "Clamp", "Mix"));
        switch (rng.Next(3))
        {
            case 0:
                w.Both($"private static uint {name}(ReadOnlySpan<byte> data, uint seed)");
                w.Open();
                w.Both("uint h = seed;");
                Block(w, "foreach (var b in data)", () => w.Both($"h = (h ^ b) * {Pick("16777619u", "2654435761u", "31u")};"));
                w.Both("return h;");
                w.Close();
                break;
            case 1:
                w.Both($"private static ulong {name}(ulong value, ulong alignment)");
                w.Open();
                If(w, "alignment == 0 || (alignment & (alignment - 1)) != 0", () => w.Both("throw new ArgumentOutOfRangeException(nameof(alignment));"));
                w.Both("return (value + alignment - 1) & ~(alignment - 1);");
                w.Close();
                break;
            default:
                w.Both($"private static int {name}(int value, int low, int high)");
                w.Open();
                w.Both("var bits = 0;");
                Block(w, "for (var v = (uint)value; v != 0; v &= v - 1)", () => w.Both("bits++;"));
                w.Both("return Math.Clamp(value + bits, low, high);");
                w.Close();
                break;
        }

        members.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
    }

    private void WriteHelpers()
    {
        if (releaseWrapper is not null)
        {
            var w = new DualWriter();
            w.Pin("[Releases(PageRef.Pin, Dirties = \"dirty\")]");
            w.Pin($"private static void {releaseWrapper}(ReadOnlySpan<Page> pages, bool dirty) => Gup.UnpinUserPagesDirtyLock(pages, dirty);");
            w.Twin($"private static void {releaseWrapper}(Resource pages, bool dirty)");
            w.Twin("{");
            w.Twin("    if (dirty)");
            w.Twin("        pages.MarkDirty();");
            w.Twin("    pages.Dispose();");
            w.Twin("}");
            helpers.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        }

        if (acquireWrapper is not null)
        {
            var w = new DualWriter();
            w.Pin("[Acquires(PageRef.Pin, Fast = true)]");
            w.Pin($"private static int {acquireWrapper}(AddressSpace mm, ulong start, int nrPages, GupFlags flags, Span<Page> pages) =>");
            w.Pin("    Gup.PinUserPagesFast(mm, start, nrPages, flags, pages);");
            w.Twin($"private static Resource {acquireWrapper}(AddressSpace mm, ulong start, int nrPages, GupFlags flags) =>");
            w.Twin("    new Resource(mm, start, nrPages, flags);");
            helpers.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        }

        if (keepHelper is not null)
        {
            var registry = Unique("registry");
            pinFields.Add($"private static readonly List<Page[]> {registry} = new();");
            twinFields.Add($"private static readonly List<Resource> {registry} = new();");
            var w = new DualWriter();
            w.Pin($"private static void {keepHelper}([TakesOwnership] Page[] pages, long count)");
            w.Twin($"private static void {keepHelper}(Resource pages, long count)");
            w.Open();
            w.Both($"lock ({registry})");
            w.Open();
            w.Line($"{registry}.Add(pages);", $"{registry}.Add(pages);");
            w.Close();
            w.Close();
            helpers.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        }

        if (checkHelper is not null)
        {
            var w = new DualWriter();
            w.Both($"private static bool {checkHelper}(long value) => value != 0xff && (value & 0x100) == 0;");
            helpers.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        }

        if (setupHelper is not null)
        {
            var w = new DualWriter();
            w.Both($"private static int {setupHelper}(int n) => n % {Pick(5, 7, 11)} == 3 ? -(int)Errno.ENOMEM : 0;");
            helpers.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        }

        if (fillHelper is not null)
        {
            // An unannotated helper the buffer is handed to (as kernel code hands pages to sg-table builders).
            var w = new DualWriter();
            w.Pin($"private static int {fillHelper}(ReadOnlySpan<Page> pages)");
            w.Twin($"private static int {fillHelper}(Resource pages)");
            w.Open();
            w.Both("long total = 0;");
            w.Pin("foreach (var page in pages)\n    total += page.Data[0];");
            w.Twin("for (int k = 0; k < pages.Count; k++)\n    total += pages.Read(k);");
            w.Both("return total > 1 << 20 ? -(int)Errno.E2BIG : 0;");
            w.Close();
            helpers.Add((w.PinLines.ToList(), w.TwinLines.ToList()));
        }
    }
}
