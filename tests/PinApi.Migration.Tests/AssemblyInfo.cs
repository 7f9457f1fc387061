// The fixtures build samples/Legacy, a copy of it and a scratch project that share the library and analyzer
// projects: one build at a time, or two MSBuild processes race on the same outputs.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
