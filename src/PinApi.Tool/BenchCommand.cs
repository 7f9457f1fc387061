using PinApi.Benchmarks;

namespace PinApi.Tool;

/// <summary>
/// <c>pinapi bench [--full] [--only library,analyzers,migration]</c>: runs the benchmark suites and prints every goal
/// with its measured value. Every speed figure is a ratio measured in the same run; quality rows are recall and
/// precision on the seeded corpus; "info" rows are references (peers, per-size figures) that never fail the table.
/// </summary>
internal static class BenchCommand
{
    public static int Run(string[] args)
    {
        var quick = !args.Contains("--full");
        var suites = BudgetRunner.Suites;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--only" && i + 1 < args.Length)
            {
                suites = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var unknown = suites.Except(BudgetRunner.Suites, StringComparer.Ordinal).ToList();
                if (unknown.Count > 0)
                {
                    Console.Error.WriteLine($"pinapi bench: unknown suite '{unknown[0]}' (suites: {string.Join(", ", BudgetRunner.Suites)})");
                    return 2;
                }
            }
            else if (args[i] != "--full")
            {
                Console.Error.WriteLine($"pinapi bench: unknown option '{args[i]}' (usage: pinapi bench [--full] [--only {string.Join(",", BudgetRunner.Suites)}])");
                return 2;
            }
        }

        var started = DateTime.UtcNow;
        var goals = BudgetRunner.Run(quick, Console.Out, suites);
        Console.WriteLine();
        Console.WriteLine($"{"area",-9} {"measure",-62} {"measured",11} {"goal",18}  result");
        foreach (var goal in goals)
        {
            Console.WriteLine($"{goal.Area,-9} {goal.Measure,-62} {goal.Shown,11} {goal.Goal,18}  {goal.Result}");
        }

        var judged = goals.Where(g => g.Kind != GoalKind.Info).ToList();
        var failed = judged.Count(g => !g.Met);
        Console.WriteLine();
        Console.WriteLine($"{judged.Count - failed} of {judged.Count} goals met ({goals.Count - judged.Count} info rows), " +
                          $"{(DateTime.UtcNow - started).TotalMinutes:F1} min" +
                          (quick ? " (quick mode: 3 warm-ups and 8 iterations per BenchmarkDotNet benchmark, 3 analyzer rounds, 1 dotnet format run per rule)" : string.Empty));
        return failed == 0 ? 0 : 1;
    }
}
