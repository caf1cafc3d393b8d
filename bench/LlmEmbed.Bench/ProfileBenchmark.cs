using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Where the default model's forward spends its time, by op group: the same batch's full forward, then each group
/// of ops alone on the shapes the forward gives them — the seven weight matmuls of every layer, attention (SDPA with
/// the padding mask), and the rest (norms, RoPE, SiLU·up, residual adds, mask/table building) as the difference.
/// TorchSharp exposes no op-level profiler, so the groups are timed in isolation, best of the repeats.
/// </summary>
internal static class ProfileBenchmark
{
    public static void Run(BenchSettings s, ResultSink sink)
    {
        var rates = MatmulCalibration.Measure(5);
        var records = new ProgressList();
        int repeats = s.Quick ? 3 : 7;
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            foreach (var (label, batch, tokens) in new[] { ("STS-like", 32, 32), ("SciFact-like", 32, 320) })
                records.Add(Profile(dtype, label, batch, tokens, repeats));
        var notes = new List<string>
        {
            "default model shape (hidden 256, 8 layers, intermediate 768, 8/2 heads), random weights, one right-padded batch (row i has tokens - 2i real tokens), causal, no_grad; best of "
            + $"{repeats} per group. matmuls = the 7 projections × 8 layers via F.linear on the forward's shapes; attention = SDPA with the [B,1,T,T] float mask × 8 layers (GQA KV expansion included); "
            + "other = forward − matmuls − attention (norms, RoPE, SiLU·up, residual adds, embedding lookup, mask and RoPE tables).",
        };
        rates = rates.Best(MatmulCalibration.Measure(5));
        sink.Report("profile", rates, records, notes);
    }

    private static BenchRecord Profile(ScalarType dtype, string label, int batch, int tokens, int repeats)
    {
        var config = BenchModels.DefaultShape();
        using var model = DecoderModel.CreateRandom(config, 1, dtype);
        model.eval();
        using var _ = no_grad();
        using var ids = randint(0, config.VocabSize, [batch, tokens], generator: new Generator(3));
        using var mask = ones(batch, tokens, dtype: ScalarType.Int64);
        for (int row = 0; row < batch; row++) mask[row].narrow(0, Math.Max(1, tokens - 2 * row), tokens - Math.Max(1, tokens - 2 * row)).zero_();
        double forward = Best(() => { using var o = model.Forward(ids, mask, AttentionMode.Causal); }, repeats);

        long rows = (long)batch * tokens, h = config.HiddenSize, i = config.IntermediateSize, q = config.NumAttentionHeads * config.HeadDim, kv = config.NumKeyValueHeads * config.HeadDim;
        var shapes = new (long In, long Out)[] { (h, q), (h, kv), (h, kv), (q, h), (h, i), (h, i), (i, h) };
        var inputs = shapes.Select(p => randn([rows, p.In]).to(dtype)).ToArray();
        var weights = shapes.Select(p => randn([p.Out, p.In]).to(dtype)).ToArray();
        double matmuls = Best(() =>
        {
            for (int l = 0; l < config.NumHiddenLayers; l++)
                for (int k = 0; k < shapes.Length; k++) { using var y = nn.functional.linear(inputs[k], weights[k]); }
        }, repeats);

        int heads = config.NumAttentionHeads, kvHeads = config.NumKeyValueHeads, d = config.HeadDim;
        using var qt = randn([batch, heads, tokens, d]).to(dtype);
        using var kt = randn([batch, kvHeads, tokens, d]).to(dtype);
        using var vt = randn([batch, kvHeads, tokens, d]).to(dtype);
        using var allowed = mask.to(ScalarType.Bool).view(batch, 1, 1, tokens).expand(batch, 1, tokens, tokens)
            .logical_and(ones(tokens, tokens, dtype: ScalarType.Bool).tril()).logical_or(eye(tokens, dtype: ScalarType.Bool));
        using var floatMask = zeros(allowed.shape, dtype: dtype).masked_fill_(allowed.logical_not(), double.NegativeInfinity);
        double attention = Best(() =>
        {
            for (int l = 0; l < config.NumHiddenLayers; l++)
            {
                using var scope = NewDisposeScope();
                var k = kt.repeat_interleave(heads / kvHeads, dim: 1);
                var v = vt.repeat_interleave(heads / kvHeads, dim: 1);
                nn.functional.scaled_dot_product_attention(qt, k, v, attn_mask: floatMask);
            }
        }, repeats);
        foreach (var t in inputs.Concat(weights)) t.Dispose();

        double flops = ModelFlops.Forward(config, batch, tokens);
        return new BenchRecord("profile", $"default {label} {batch}x{tokens} {BenchModels.Name(dtype)}")
            .Add("dtype", BenchModels.Name(dtype))
            .Add("forward ms", forward * 1e3)
            .Add("matmuls ms", matmuls * 1e3)
            .Add("attention ms", attention * 1e3)
            .Add("other ms", (forward - matmuls - attention) * 1e3)
            .Add("matmul share", matmuls / forward)
            .Add("attention share", attention / forward)
            .Add("other share", (forward - matmuls - attention) / forward)
            .Add("MFU own dtype", new MatmulFraction(flops / forward, dtype == ScalarType.BFloat16));
    }

    private static double Best(Action action, int repeats)
    {
        action();
        double best = double.PositiveInfinity;
        for (int r = 0; r < repeats; r++) best = Math.Min(best, Timing.Seconds(action));
        return best;
    }
}
