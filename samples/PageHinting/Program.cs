using PinApi.Samples.PageHinting;

// dotnet run --project samples/PageHinting [-- --corrected]
var corrected = args.Contains("--corrected");
Console.WriteLine(corrected
    ? "page hinting with a re-pinning EPT fault path (corrected)"
    : "page hinting as posted: the EPT fault re-maps without a pin");
var report = PageHintingScenario.Run(corrected, output: Console.Out);
return report.PinsAcquired == report.PinsReleased ? 0 : 1;
