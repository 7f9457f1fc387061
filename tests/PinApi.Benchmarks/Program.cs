using BenchmarkDotNet.Running;

// Run any suite by hand: dotnet run -c Release --project tests/PinApi.Benchmarks -- --filter '*'
// The budget table with goals is `pinapi bench` (src/PinApi.Tool).
BenchmarkSwitcher.FromAssembly(typeof(PinApi.Benchmarks.BudgetRunner).Assembly).Run(args);
