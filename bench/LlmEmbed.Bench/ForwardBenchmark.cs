using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>Decoder forward tokens/s of the Qwen2-0.5B shape in bf16 and fp32 at batch 8 x 256 (no LM head).</summary>
internal static class ForwardBenchmark
{
    public const int Batch = 8, Tokens = 256;

    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        int layers = s.Quick ? 8 : 24;
        int warmup = 1, repeats = 3;
        var config = BenchModels.Qwen2HalfB(layers);
        var records = new ProgressList();
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float32 })
        {
            using var model = DecoderModel.CreateRandom(config, 1, dtype);
            model.eval();
            using var ids = randint(0, config.VocabSize, [Batch, Tokens], generator: new Generator(5));
            double seconds = Timing.MedianSeconds(() =>
            {
                using var _ = no_grad();
                using var output = model.Forward(ids, null, AttentionMode.Causal);
            }, warmup, repeats);
            double flops = ModelFlops.Forward(config, Batch, Tokens);
            bool bf16 = dtype == ScalarType.BFloat16;
            records.Add(new BenchRecord("forward", $"qwen2-0.5b-shape L{layers} {BenchModels.Name(dtype)}")
                .Add("dtype", BenchModels.Name(dtype))
                .Add("layers", layers)
                .Add("batch x tokens", $"{Batch}x{Tokens}")
                .Add("seconds", seconds)
                .Add("tokens/s", Batch * Tokens / seconds)
                .Add("model GFLOP", flops / 1e9)
                .Add("GFLOP/s", flops / seconds / 1e9)
                .Add("MFU vs bf16", new MatmulFraction(flops / seconds, bf16: true))
                .Add("MFU vs own dtype", new MatmulFraction(flops / seconds, bf16)));
        }
        var notes = new List<string>
        {
            $"Qwen2-0.5B shape (hidden 896, intermediate 4864, 14/2 heads, vocab 151936 tied), random weights, causal, no padding mask; {layers} of 24 layers{(s.Quick ? " (--quick)" : "")}, warm-up {warmup}, median of {repeats}.",
            $"model FLOPs = 2 x {ModelFlops.NonEmbeddingParameters(config):N0} non-embedding params x tokens + attention 4·B·T²·heads·head_dim per layer (full square); LM head not computed, not counted.",
            "MFU vs bf16 = achieved model FLOP/s / measured bf16 matmul FLOP/s; 'own dtype' divides by the fp32 rate for fp32 rows.",
        };
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("forward", rates, records, notes);
    }
}
