using LlmEmbed.Bench;

// dotnet run -c Release --project bench/LlmEmbed.Bench -- forward|embed|train|eval|versus|profile|all [--quick] [--threads N] [--results PATH]
bool quick = args.Contains("--quick");
int resultsAt = Array.IndexOf(args, "--results");
int threadsAt = Array.IndexOf(args, "--threads");
var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (resultsAt < 0 || i != resultsAt + 1) && (threadsAt < 0 || i != threadsAt + 1)).ToList();
if (threadsAt >= 0)
{
    if (threadsAt == args.Length - 1 || !int.TryParse(args[threadsAt + 1], out int threads) || threads <= 0)
    {
        Console.Error.WriteLine("--threads needs a positive integer");
        return 2;
    }
    // On a machine shared with other jobs, libtorch's OpenMP threads spin-wait on each other when descheduled;
    // one thread can then be several times faster than all cores for small ops (see bench/README.md).
    TorchSharp.torch.set_num_threads(threads);
}
// Internal: one train-memory variant in a fresh process (started by the train benchmark itself).
if (args.Length >= 2 && args[0] == TrainBenchmark.MemoryChildFlag)
    return TrainBenchmark.RunMemoryChild(new BenchSettings(quick, BenchSettings.FindRepoRoot(), ""), args[1]);
string[] known = ["forward", "embed", "train", "eval", "versus", "profile", "all"];
if (positional.Count != 1 || !known.Contains(positional[0]) || (resultsAt >= 0 && resultsAt == args.Length - 1))
{
    Console.Error.WriteLine("usage: LlmEmbed.Bench forward|embed|train|eval|versus|profile|all [--quick] [--threads N] [--results bench/results.jsonl]");
    return 2;
}
string root = BenchSettings.FindRepoRoot();
string results = resultsAt >= 0 ? Path.GetFullPath(args[resultsAt + 1]) : Path.Combine(root, "bench", "results.jsonl");
var settings = new BenchSettings(quick, root, results);
var sink = new ResultSink(settings);
string which = positional[0];
var benchmarks = new (string Name, Action<BenchSettings, ResultSink> Run)[]
{
    ("forward", ForwardBenchmark.Run),
    ("embed", EmbedBenchmark.Run),
    ("train", TrainBenchmark.Run),
    ("eval", EvalBenchmark.Run),
    ("versus", VersusBenchmark.Run),
    ("profile", ProfileBenchmark.Run),
};
foreach (var (name, run) in benchmarks)
{
    if (which != "all" && which != name) continue;
    var elapsed = Timing.Seconds(() => run(settings, sink));
    Console.WriteLine($"({name} took {elapsed:F0} s; results appended to {Path.GetRelativePath(root, results)})");
}
return 0;
