namespace PinApi.Benchmarks;

/// <summary>One row of the budget table: a measured ratio (or quantity) against its goal.</summary>
public sealed record BenchmarkGoal(string Area, string Measure, double Value, double Limit, string Unit)
{
    public bool Met => Value <= Limit;

    public string Goal => $"≤ {Limit.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}{Unit}";

    public string Shown => $"{Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}{Unit}";
}
