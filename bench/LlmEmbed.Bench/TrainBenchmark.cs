using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Training;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Contrastive-training throughput (LoRA r16 on all seven projections, eos pooler, bf16) for the default model and
/// the Qwen2-0.5B shape, and peak memory of a direct vs. a chunked (GradCache) step at batch 512 for the default model.
/// </summary>
internal static class TrainBenchmark
{
    public const int LoraRank = 16;

    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        var records = new ProgressList();
        int repeats = s.Quick ? 1 : 3;

        var (defaultBackbone, defaultTokenizer, source) = BenchModels.DefaultBase(s, ScalarType.BFloat16);
        using (var model = BenchModels.Embedding(defaultBackbone, defaultTokenizer, ScalarType.BFloat16, lora: true))
        {
            records.Add(Throughput(model, "default bf16 lora-r16", batch: 32, tokens: 64, repeats, rates));
            int memoryBatch = 512, memoryTokens = s.Quick ? 16 : 32, chunk = 64;
            // The smaller peak first, so that nothing the larger one leaves behind can hide in its baseline.
            records.Add(Memory(model, $"default gradcache B{memoryBatch} chunk{chunk}", memoryBatch, memoryTokens, chunk, rates));
            records.Add(Memory(model, $"default direct B{memoryBatch}", memoryBatch, memoryTokens, chunk: null, rates));
        }

        int layers = s.Quick ? 4 : 24;
        var qwen = BenchModels.Qwen2HalfB(layers);
        using (var model = BenchModels.Embedding(DecoderModel.CreateRandom(qwen, 1, ScalarType.BFloat16), BenchModels.Qwen2Tokenizer(s), ScalarType.BFloat16, lora: true))
        {
            records.Add(s.Quick
                ? Throughput(model, $"qwen2-0.5b-shape L{layers} bf16 lora-r16", batch: 4, tokens: 64, repeats, rates)
                : Throughput(model, $"qwen2-0.5b-shape L{layers} bf16 lora-r16", batch: 8, tokens: 128, repeats, rates));
        }

        var notes = new List<string>
        {
            "step = EmbeddingModel.Forward of B queries and B positives (random ids, no padding, eos pooler, causal, L2-normalised), "
            + $"InfoNCE (τ {ContrastiveStep.Temperature}) over the B x B similarity matrix, backward, AdamW on the LoRA parameters (r{LoraRank}, alpha 32, dropout 0.1, all seven projections); tokens/s counts 2·B·T per step.",
            "train model FLOPs per step = forward (2·N_nonembed + 2·P_lora per token + attention) + backward (2·N_nonembed activation gradients of the frozen weights, "
            + "no frozen weight gradients, 2 x attention, 4·P_lora per token); the similarity matrix, norms and optimizer are not counted. "
            + "GradCache's extra no-grad forward is overhead, not model FLOPs, so its MFU is lower by design.",
            "peak RSS = VmHWM of /proc/self/status after resetting it (clear_refs) just before the step; 'over baseline' subtracts the RSS at that moment (weights, optimizer state), taken after malloc_trim so memory freed by earlier steps does not count as baseline; the GradCache step runs first.",
            $"default model: {source}; Qwen2-0.5B shape: random weights, {layers} of 24 layers{(s.Quick ? " (--quick; memory test at 16 tokens instead of 32)" : "")}; warm-up 1 step, median of {repeats}.",
        };
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("train", rates, records, notes);
    }

    private static BenchRecord Throughput(EmbeddingModel model, string name, int batch, int tokens, int repeats, MatmulRates rates)
    {
        using var optimizer = new AdamW(model.TrainableParameters(), 0.01);
        using var queries = ContrastiveStep.RandomBatch(model, batch, tokens, 21);
        using var positives = ContrastiveStep.RandomBatch(model, batch, tokens, 22);
        double seconds = Timing.MedianSeconds(() => ContrastiveStep.Direct(model, optimizer, queries, positives), warmup: 1, repeats);
        return Row(model, name, batch, tokens, seconds, rates, peakMiB: double.NaN, baselineMiB: double.NaN);
    }

    private static BenchRecord Memory(EmbeddingModel model, string name, int batch, int tokens, int? chunk, MatmulRates rates)
    {
        using var optimizer = new AdamW(model.TrainableParameters(), 0.01);
        using var queries = ContrastiveStep.RandomBatch(model, batch, tokens, 31);
        using var positives = ContrastiveStep.RandomBatch(model, batch, tokens, 32);
        PeakMemory.ReleaseFreedMemory();
        bool reset = PeakMemory.ResetPeak();
        double baseline = PeakMemory.CurrentMiB();
        double seconds = Timing.Seconds(() =>
        {
            if (chunk is int c) ContrastiveStep.Chunked(model, optimizer, queries, positives, c);
            else ContrastiveStep.Direct(model, optimizer, queries, positives);
        });
        double peak = reset ? PeakMemory.PeakMiB() : double.NaN;
        return Row(model, name, batch, tokens, seconds, rates, peak, baseline);
    }

    private static BenchRecord Row(EmbeddingModel model, string name, int batch, int tokens, double seconds, MatmulRates rates, double peakMiB, double baselineMiB)
    {
        var config = model.Backbone.Config;
        double flops = ModelFlops.LoraTrainPass(config, 2L * batch, tokens, LoraRank);
        return new BenchRecord("train", name)
            .Add("B x T (q and p each)", $"{batch}x{tokens}")
            .Add("step s", seconds)
            .Add("tokens/s", 2.0 * batch * tokens / seconds)
            .Add("model GFLOP/step", flops / 1e9)
            .Add("MFU vs bf16", rates.Mfu(flops / seconds, bf16: true))
            .Add("peak RSS MiB", peakMiB)
            .Add("over baseline MiB", peakMiB - baselineMiB);
    }
}
