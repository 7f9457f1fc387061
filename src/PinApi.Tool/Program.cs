using PinApi.Tool;

// pinapi: PinApi's command line. Each command lives in its own class.
return args.FirstOrDefault() switch
{
    "bench" => BenchCommand.Run(args[1..]),
    "check" => CheckCommand.Run(args[1..]),
    "demo" => DemoCommand.Run(),
    "migrate" => MigrateCommand.Run(args[1..]),
    null or "-h" or "--help" or "help" => Usage(0),
    var unknown => Usage(2, $"pinapi: unknown command '{unknown}'"),
};

static int Usage(int code, string? error = null)
{
    if (error is not null)
    {
        Console.Error.WriteLine(error);
    }

    var text = """
        usage: pinapi <command>

          check <project|solution|folder> [--sarif out.sarif]
                          build with the PinApi analyzers as the projects configure them, print per rule the
                          diagnostics found and every site, and with --sarif write them as SARIF 2.1.0
                          (exit 0: no PinApi error, 1: PinApi errors or a failed build, 2: bad input)
          migrate <project|solution|folder> [--out DIR] [--rules PIN0301,...] [--dry-run]
                          apply the seed series' migration (PutUserPage* -> UnpinUserPage*, GET -> PIN)
                          with dotnet format, then print per rule the sites found, fixed and left
          demo            pin a buffer, let a device write into it, unpin it: the library in one run
          bench [--full]  run the benchmark suites and print each goal with its measured ratio
                          (default: quick mode, 8 iterations; --full: BenchmarkDotNet defaults)
        """;
    (code == 0 ? Console.Out : Console.Error).WriteLine(text);
    return code;
}
