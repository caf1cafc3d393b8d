using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using LlmEmbed.Embedding;
using LlmEmbed.Server;
using Microsoft.Extensions.Logging;

// A bounded load test of `llm-embed serve` on loopback against offline encoding of the same texts.
// dotnet run -c Release --project bench/LlmEmbed.ServeBench -- [--model DIR] [--texts N] [--threads N] [--concurrency 1,8,32]
// --model: an embedding-model folder, or a base decoder folder (wrapped as eos-causal); default models/llm-embed-base.
string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
string root = FindRepoRoot();
string modelDir = Arg("--model", Path.Combine(root, "models", "llm-embed-base"));
int count = int.Parse(Arg("--texts", "512"));
int threads = int.Parse(Arg("--threads", "0"));
int[] levels = Arg("--concurrency", "1,8,32").Split(',').Select(int.Parse).ToArray();
if (threads > 0) TorchSharp.torch.set_num_threads(threads);

using var model = File.Exists(Path.Combine(modelDir, EmbeddingModelConfig.FileName))
    ? EmbeddingModel.Load(modelDir)
    : EmbeddingModel.FromBaseModel(EmbeddingPresets.Get("eos-causal", modelDir) with { MaxLength = 128 });
var texts = ReadTexts(Path.Combine(root, "..", "shared", "data", "training", "snli_triplets.jsonl"), count);
double meanTokens = texts.Average(t => model.Tokenize(t).Ids.Count);
Console.Error.WriteLine($"{texts.Count} texts, mean {meanTokens:F1} tokens; warming up");
model.Encode(texts.Take(64).ToList());

// Offline throughput is measured before and after the server phases and the better one counts: load from other jobs
// can only slow a phase down, so the ratio is never flattered by a slow offline phase.
double OfflineTextsPerSecond()
{
    var watch = Stopwatch.StartNew();
    model.Encode(texts, new EncodeOptions { BatchSize = 32 });
    return texts.Count / watch.Elapsed.TotalSeconds;
}
double offlineBefore = OfflineTextsPerSecond();
var clock = Stopwatch.StartNew();

await using var server = EmbeddingServer.Create(model, new ServerOptions { Port = 0, ModelName = "bench" }, l => l.SetMinimumLevel(LogLevel.Warning));
await server.StartAsync();
using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
await Send(http, texts[0]);   // warm the HTTP path

var rows = new List<string>();
var throughputs = new List<double>();
double at32 = double.NaN;
foreach (int concurrency in levels)
{
    var latencies = new double[texts.Count];
    int next = -1;
    clock.Restart();
    long batchesBefore = server.Scheduler.Metrics.Batches;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        for (int i; (i = Interlocked.Increment(ref next)) < texts.Count;)
        {
            var one = Stopwatch.StartNew();
            await Send(http, texts[i]);
            latencies[i] = one.Elapsed.TotalMilliseconds;
        }
    }));
    double seconds = clock.Elapsed.TotalSeconds;
    double throughput = texts.Count / seconds;
    if (concurrency == 32) at32 = throughput;
    Array.Sort(latencies);
    double batchSize = (double)texts.Count / (server.Scheduler.Metrics.Batches - batchesBefore);
    rows.Add($"| {concurrency} | {throughput:F1} | {latencies[latencies.Length / 2]:F1} | {latencies[(int)Math.Ceiling(0.99 * latencies.Length) - 1]:F1} | {batchSize:F1} | {{OFFLINE}} |");
    throughputs.Add(throughput);
}

double offlineAfter = OfflineTextsPerSecond();
double offline = Math.Max(offlineBefore, offlineAfter);
for (int r = 0; r < rows.Count; r++) rows[r] = rows[r].Replace("{OFFLINE}", (throughputs[r] / offline).ToString("P0", System.Globalization.CultureInfo.InvariantCulture));
double load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
Console.WriteLine($"model {Path.GetFileName(Path.GetFullPath(modelDir))} ({model.Config.Preset ?? "saved"}, dim {model.Dimension}), {texts.Count} texts of mean {meanTokens:F1} tokens, one text per request;");
Console.WriteLine($"torch threads {TorchSharp.torch.get_num_threads()}, {Environment.ProcessorCount} cores, load average {load:F1} at the end; offline Encode (batch 32): {offline:F1} texts/s (best of {offlineBefore:F1} before and {offlineAfter:F1} after the server phases)");
Console.WriteLine();
Console.WriteLine("| concurrency | texts/s | p50 ms | p99 ms | mean texts per forward | vs offline |");
Console.WriteLine("|---|---|---|---|---|---|");
foreach (var row in rows) Console.WriteLine(row);
if (!double.IsNaN(at32)) Console.WriteLine($"\nat concurrency 32 the server reaches {at32 / offline:P0} of offline throughput");
return 0;

static async Task Send(HttpClient http, string text)
{
    var reply = await http.PostAsJsonAsync("/v1/embeddings", new { input = text });
    reply.EnsureSuccessStatusCode();
    await reply.Content.ReadAsByteArrayAsync();
}

static List<string> ReadTexts(string path, int count)
{
    var texts = new List<string>();
    foreach (var line in File.ReadLines(path))
    {
        using var doc = JsonDocument.Parse(line);
        foreach (var field in new[] { "query", "positive", "negative" })
            if (doc.RootElement.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String) texts.Add(v.GetString()!);
        if (texts.Count >= count) break;
    }
    return texts.Take(count).ToList();
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "LlmEmbed.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("LlmEmbed.sln not found above " + AppContext.BaseDirectory);
}
