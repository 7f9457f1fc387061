using System.Globalization;

namespace PinApi.Benchmarks;

/// <summary>How a row's value is judged: at most its limit (times, ratios), at least (recall, precision), or not at all.</summary>
public enum GoalKind
{
    AtMost,
    AtLeast,

    /// <summary>Shown for reference (a peer's score, a per-size figure); never fails the table.</summary>
    Info,
}

/// <summary>One row of the budget table: a measured ratio (or quantity) against its goal.</summary>
public sealed record BenchmarkGoal(string Area, string Measure, double Value, double Limit, string Unit, GoalKind Kind = GoalKind.AtMost, string? Note = null)
{
    /// <summary>A value that could not be measured (NaN) never meets a goal.</summary>
    public bool Met => Kind switch
    {
        GoalKind.Info => true,
        GoalKind.AtLeast => Value >= Limit,
        _ => Value <= Limit,
    };

    public string Goal => Kind switch
    {
        GoalKind.Info => Note ?? "-",
        GoalKind.AtLeast => $"≥ {Limit.ToString("0.##", CultureInfo.InvariantCulture)}{Unit}",
        _ => $"≤ {Limit.ToString("0.##", CultureInfo.InvariantCulture)}{Unit}",
    };

    public string Shown => double.IsNaN(Value) ? "n/a" : $"{Value.ToString("0.00", CultureInfo.InvariantCulture)}{Unit}";

    public string Result => Kind == GoalKind.Info ? "info" : Met ? "pass" : "FAIL";
}
