using System.Globalization;

namespace PinApi.Samples.GupBenchmark;

/// <summary>
/// tools/testing/selftests/vm/gup_benchmark.c (~v5.9–v5.10), getopt "m:r:n:f:abtTLUuwSH": <c>-m</c> size in MB (128),
/// <c>-r</c> repeats (1), <c>-n</c> pages per call (1), <c>-w</c> write (default read), <c>-f</c> backing file
/// (default /dev/zero), <c>-S</c> MAP_SHARED, <c>-H</c> MAP_HUGETLB, <c>-t</c>/<c>-T</c> MADV_HUGEPAGE/MADV_NOHUGEPAGE,
/// and the command: <c>-u</c> GUP_FAST (default), <c>-U</c> GUP, <c>-a</c> PIN_FAST, <c>-b</c> PIN, <c>-L</c> PIN_LONGTERM.
/// Prints "Time: get:%lld put:%lld us" per repeat, plus ", truncated (size: %lld)" when the range was cut short.
/// </summary>
public static class GupBenchmarkTool
{
    private const ulong Mb = 1UL << 20;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var size = 128 * Mb;
        int nrPages = 1, repeats = 1;
        int? thp = null;
        var write = false;
        var shared = false;
        var hugetlb = false;
        var cmd = BenchmarkCommand.GupFast;
        var file = "/dev/zero";
        for (var a = 0; a < args.Length; a++)
        {
            var opt = args[a];
            if (opt.Length != 2 || opt[0] != '-')
            {
                error.WriteLine($"gup_benchmark: invalid option -- '{opt}'");
                return -1;
            }

            switch (opt[1])
            {
                case 'a': cmd = BenchmarkCommand.PinFast; break;
                case 'b': cmd = BenchmarkCommand.Pin; break;
                case 'L': cmd = BenchmarkCommand.PinLongterm; break;
                case 'U': cmd = BenchmarkCommand.Gup; break;
                case 'u': cmd = BenchmarkCommand.GupFast; break;
                case 'm': size = (ulong)Atoi(args, ++a) * Mb; break;
                case 'r': repeats = Atoi(args, ++a); break;
                case 'n': nrPages = Atoi(args, ++a); break;
                case 'f': file = a + 1 < args.Length ? args[++a] : file; break;
                case 't': thp = 1; break;
                case 'T': thp = 0; break;
                case 'w': write = true; break;
                case 'S': shared = true; break;
                case 'H': hugetlb = true; break;
                default:
                    error.WriteLine($"gup_benchmark: invalid option -- '{opt[1]}'");
                    return -1;
            }
        }

        if (size == 0 || nrPages <= 0)
        {
            error.WriteLine("gup_benchmark: size and pages per call must be positive");
            return 1;
        }

        // The simulated machine: enough frames for the mapping (hugetlb from the pool), plus room for THP alignment.
        var pages = (long)(size / PhysicalMemory.PageSize);
        var memory = new PhysicalMemory(normalPages: pages + PhysicalMemory.HugePageFrames * 2 + 64, hugePages: hugetlb ? (int)((size + PhysicalMemory.HugePageSize - 1) / PhysicalMemory.HugePageSize) : 0);
        var mm = new AddressSpace(memory);
        BackingFile? backing = null;
        try
        {
            // filed = open(file, O_RDWR|O_CREAT); p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, filed, 0)
            VmaKind kind;
            if (hugetlb)
            {
                kind = VmaKind.Hugetlb;
            }
            else if (file == "/dev/zero")
            {
                kind = shared ? VmaKind.Shmem : VmaKind.AnonymousPrivate;
            }
            else
            {
                // A real file: created if missing and extended to the mapping (the C tool would SIGBUS past EOF).
                backing = File.Exists(file) && new FileInfo(file).Length >= (long)size ? BackingFile.Open(memory, file) : BackingFile.Create(memory, file, (long)size);
                kind = shared ? VmaKind.FileShared : VmaKind.FilePrivate;
            }

            var p = mm.Mmap(size, Protection.ReadWrite, kind, backing);
            if (thp == 1)
            {
                mm.Madvise(p, size, Advice.HugePage);
            }
            else if (thp == 0)
            {
                mm.Madvise(p, size, Advice.NoHugePage);
            }

            // "for (; (unsigned long)p < gup.addr + size; p += PAGE_SIZE) p[0] = 0;"
            for (var q = p; q < p + size; q += PhysicalMemory.PageSize)
            {
                if (mm.Write(q, [0]) != 0)
                {
                    error.WriteLine("gup_benchmark: touching the mapping failed");
                    return 1;
                }
            }

            for (var i = 0; i < repeats; i++)
            {
                var gup = new GupBenchmarkArgs { Addr = p, Size = size, NrPagesPerCall = (uint)nrPages, Flags = write ? GupFlags.Write : GupFlags.None };
                var rc = GupBenchmarkModule.Ioctl(mm, cmd, ref gup);
                if (rc != 0)
                {
                    error.WriteLine($"ioctl: {(Errno)(-rc)}");
                    return 1;
                }

                output.Write(string.Create(CultureInfo.InvariantCulture, $"Time: get:{gup.GetDeltaUsec} put:{gup.PutDeltaUsec} us"));
                if (gup.Size != size)
                {
                    output.Write(string.Create(CultureInfo.InvariantCulture, $", truncated (size: {gup.Size})"));
                }

                output.WriteLine();
            }

            return 0;
        }
        finally
        {
            mm.Dispose();
            backing?.Dispose();
        }
    }

    private static int Atoi(string[] args, int index) =>
        index < args.Length && int.TryParse(args[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
