using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Training;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Contrastive-training throughput (LoRA r16 on all seven projections, eos pooler, bf16) for the default model and
/// the Qwen2-0.5B shape, and peak memory of the library's GradCache vs. its direct step at batch 512 for the default
/// model, each memory variant in its own child process.
/// </summary>
internal static class TrainBenchmark
{
    public const int LoraRank = 16;

    /// <summary>The internal flag that makes the bench executable run one memory variant and print its result.</summary>
    public const string MemoryChildFlag = "--train-memory-child";

    private const string ChildResultPrefix = "BENCH-TRAIN-MEMORY ";
    private const int MemoryBatch = 512, MemoryChunk = 64;

    // NaN (peak not measurable) must survive the trip through JSON.
    private static readonly JsonSerializerOptions ChildJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static int MemoryTokens(BenchSettings s) => s.Quick ? 16 : 32;

    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        var records = new ProgressList();
        int repeats = s.Quick ? 1 : 3;

        var (defaultBackbone, defaultTokenizer, source) = BenchModels.DefaultBase(s, ScalarType.BFloat16);
        DecoderConfig defaultConfig;
        using (var model = BenchModels.Embedding(defaultBackbone, defaultTokenizer, ScalarType.BFloat16, lora: true, maxLength: 64))
        {
            defaultConfig = model.Backbone.Config;
            records.Add(Throughput(s, model, "default bf16 lora-r16", batch: 32, repeats, rates));
        }
        // Each variant in a fresh process: its VmHWM then holds nothing another variant (or this process's
        // throughput runs) left in the allocator.
        foreach (int? chunk in new int?[] { MemoryChunk, null })
        {
            var child = RunMemoryChild(s, chunk);
            string name = chunk is int c ? $"default gradcache B{MemoryBatch} chunk{c}" : $"default direct B{MemoryBatch}";
            records.Add(Row(defaultConfig, name, MemoryBatch, MemoryTokens(s), child.Seconds, rates, child.PeakMiB, child.BaselineMiB));
        }

        int layers = s.Quick ? 4 : 24;
        var qwen = BenchModels.Qwen2HalfB(layers);
        int qwenTokens = s.Quick ? 64 : 128;
        using (var model = BenchModels.Embedding(DecoderModel.CreateRandom(qwen, 1, ScalarType.BFloat16), BenchModels.Qwen2Tokenizer(s), ScalarType.BFloat16, lora: true, maxLength: qwenTokens))
            records.Add(Throughput(s, model, $"qwen2-0.5b-shape L{layers} bf16 lora-r16", batch: s.Quick ? 4 : 8, repeats, rates));

        var notes = new List<string>
        {
            "step = the library's contrastive step: GradCache.Accumulate (InfoNceLoss, scale 20 = τ 0.05, in-batch negatives, no hard negatives) over EmbeddingModelEncoder "
            + "(tokenisation included; eos pooler, causal), then AdamW on the LoRA parameters (r16, alpha 32, dropout 0.1, all seven projections). "
            + "Throughput rows use the direct path (cacheGradients off: all texts with the graph, one backward).",
            "texts: (first half, second half) of SciFact abstracts, both halves truncated to exactly T tokens (BOS and EOS included), so no padding; tokens/s counts 2·B·T per step.",
            "train model FLOPs per step = forward (2·N_nonembed + 2·P_lora per token + attention) + backward (2·N_nonembed activation gradients of the frozen weights, "
            + "no frozen weight gradients, 2 x attention, 4·P_lora per token); the similarity matrix, norms and optimizer are not counted. "
            + "GradCache's extra no-grad forward is overhead, not model FLOPs, so its MFU is lower by design.",
            $"memory rows: each variant runs in its own child process (the bench executable with {MemoryChildFlag}): model + optimizer, a warm-up step at batch 8, malloc_trim, "
            + "then VmHWM is reset (clear_refs) and one step at batch 512 is timed; peak RSS = VmHWM after it, 'over baseline' subtracts the RSS just before it (weights, optimizer state). "
            + $"GradCache re-encodes each chunk of {MemoryChunk} with the same dropout masks (seeded per chunk).",
            $"default model: {source}; Qwen2-0.5B shape: random weights, {layers} of 24 layers{(s.Quick ? $" (--quick; memory test at {MemoryTokens(s)} tokens instead of 32)" : "")}; warm-up 1 step, median of {repeats}.",
        };
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("train", rates, records, notes);
    }

    private static BenchRecord Throughput(BenchSettings s, EmbeddingModel model, string name, int batch, int repeats, MatmulRates rates)
    {
        using var optimizer = new AdamW(model.TrainableParameters(), 0.01);
        var gradCache = ContrastiveBatch.Create(model, batch, chunkSize: null);
        var examples = ContrastiveBatch.Examples(s, model, batch, 21);
        long seed = 0;
        double seconds = Timing.MedianSeconds(() => ContrastiveBatch.Step(gradCache, optimizer, examples, ++seed), warmup: 1, repeats);
        return Row(model.Backbone.Config, name, batch, model.Config.MaxLength, seconds, rates, peakMiB: double.NaN, baselineMiB: double.NaN);
    }

    private sealed record MemoryResult(double Seconds, double PeakMiB, double BaselineMiB, double Loss);

    /// <summary>Re-invokes this executable for one memory variant and reads its result line.</summary>
    private static MemoryResult RunMemoryChild(BenchSettings s, int? chunk)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false };
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is (Environment.ProcessPath is null)");
        start.FileName = host;
        // Started as `dotnet LlmEmbed.Bench.dll`: the host needs the assembly again.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        start.ArgumentList.Add(MemoryChildFlag);
        string variant = chunk is int c ? c.ToString(CultureInfo.InvariantCulture) : "direct";
        start.ArgumentList.Add(variant);
        if (s.Quick) start.ArgumentList.Add("--quick");
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(get_num_threads().ToString(CultureInfo.InvariantCulture));
        start.WorkingDirectory = s.RepoRoot;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').LastOrDefault(l => l.StartsWith(ChildResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"train memory child ({variant}) exited with code {process.ExitCode} without a result line; its stdout:\n{output}");
        return JsonSerializer.Deserialize<MemoryResult>(line[ChildResultPrefix.Length..], ChildJson)
               ?? throw new InvalidDataException($"train memory child printed an unreadable result: {line}");
    }

    /// <summary>
    /// The child's side: <paramref name="variant"/> is a chunk size (GradCache) or "direct". Prints one result line
    /// on stdout; progress and errors go to stderr.
    /// </summary>
    public static int RunMemoryChild(BenchSettings s, string variant)
    {
        int? chunk = variant == "direct" ? null
            : int.TryParse(variant, CultureInfo.InvariantCulture, out int c) && c > 0 ? c
            : throw new ArgumentException($"{MemoryChildFlag} takes a positive chunk size or 'direct', not '{variant}'");
        var (backbone, tokenizer, _) = BenchModels.DefaultBase(s, ScalarType.BFloat16);
        using var model = BenchModels.Embedding(backbone, tokenizer, ScalarType.BFloat16, lora: true, maxLength: MemoryTokens(s));
        using var optimizer = new AdamW(model.TrainableParameters(), 0.01);
        var gradCache = ContrastiveBatch.Create(model, MemoryBatch, chunk);
        var examples = ContrastiveBatch.Examples(s, model, MemoryBatch, 31);
        // Warm-up at a small batch: one-time allocations (kernels, thread pools) stay out of the measured peak.
        ContrastiveBatch.Step(gradCache, optimizer, examples.Take(8).ToList(), 1);

        PeakMemory.ReleaseFreedMemory();
        bool reset = PeakMemory.ResetPeak();
        double baseline = PeakMemory.CurrentMiB();
        double loss = 0;
        double seconds = Timing.Seconds(() => loss = ContrastiveBatch.Step(gradCache, optimizer, examples, 2));
        double peak = reset ? PeakMemory.PeakMiB() : double.NaN;
        if (!reset) Console.Error.WriteLine("warning: /proc/self/clear_refs refused; the peak would span the whole child process and is not reported");
        Console.WriteLine(ChildResultPrefix + JsonSerializer.Serialize(new MemoryResult(seconds, peak, baseline, loss), ChildJson));
        return 0;
    }

    private static BenchRecord Row(DecoderConfig config, string name, int batch, int tokens, double seconds, MatmulRates rates, double peakMiB, double baselineMiB)
    {
        double flops = ModelFlops.LoraTrainPass(config, 2L * batch, tokens, LoraRank);
        return new BenchRecord("train", name)
            .Add("B x T (q and p each)", $"{batch}x{tokens}")
            .Add("step s", seconds)
            .Add("tokens/s", 2.0 * batch * tokens / seconds)
            .Add("model GFLOP/step", flops / 1e9)
            .Add("MFU vs bf16", new MatmulFraction(flops / seconds, bf16: true))
            .Add("peak RSS MiB", peakMiB)
            .Add("over baseline MiB", peakMiB - baselineMiB);
    }
}
