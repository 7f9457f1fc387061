using PinApi.Benchmarks;

namespace PinApi.Tool;

/// <summary><c>pinapi bench [--full]</c>: runs the benchmark suites and prints every goal with its measured ratio.</summary>
internal static class BenchCommand
{
    public static int Run(string[] args)
    {
        var quick = !args.Contains("--full");
        var goals = BudgetRunner.Run(quick, Console.Out);
        Console.WriteLine();
        Console.WriteLine($"{"area",-9} {"measure",-52} {"measured",10} {"goal",10}  result");
        foreach (var goal in goals)
        {
            Console.WriteLine($"{goal.Area,-9} {goal.Measure,-52} {goal.Shown,10} {goal.Goal,10}  {(goal.Met ? "pass" : "FAIL")}");
        }

        var failed = goals.Count(g => !g.Met);
        Console.WriteLine();
        Console.WriteLine($"{goals.Count - failed} of {goals.Count} goals met{(quick ? " (quick mode: 3 warm-ups, 8 iterations per benchmark)" : string.Empty)}");
        return failed == 0 ? 0 : 1;
    }
}
