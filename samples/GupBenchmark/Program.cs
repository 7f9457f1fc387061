return PinApi.Samples.GupBenchmark.GupBenchmarkTool.Run(args, Console.Out, Console.Error);
