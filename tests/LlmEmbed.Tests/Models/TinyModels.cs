using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>Tiny random configurations of each supported family, small enough for millisecond forward passes.</summary>
internal static class TinyModels
{
    public static DecoderConfig Llama => new()
    {
        ModelType = "llama", VocabSize = 97, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeadsRaw = 4, MaxPositionEmbeddings = 64, RmsNormEps = 1e-5, TieWordEmbeddings = true,
    };

    /// <summary>Qwen2: q/k/v biases (implied by model_type), GQA 4 query heads over 2 KV heads, tied embeddings.</summary>
    public static DecoderConfig Qwen2 => Llama with { ModelType = "qwen2", NumKeyValueHeadsRaw = 2, RopeTheta = 1_000_000, RmsNormEps = 1e-6 };

    /// <summary>Mistral: GQA 4 over 1 KV head, separate lm_head, no biases.</summary>
    public static DecoderConfig Mistral => Llama with { ModelType = "mistral", NumKeyValueHeadsRaw = 1, TieWordEmbeddings = false, NumHiddenLayers = 3 };

    /// <summary>
    /// Qwen3: per-head q/k RMSNorm, an explicit head_dim of 16 (4 heads × 16 = 64 ≠ hidden 32, as Qwen3-0.6B's
    /// 16 × 128 ≠ 1024), GQA 4 over 2, no biases, tied embeddings.
    /// </summary>
    public static DecoderConfig Qwen3 => Llama with { ModelType = "qwen3", NumKeyValueHeadsRaw = 2, HeadDimRaw = 16, RopeTheta = 1_000_000, RmsNormEps = 1e-6 };

    /// <summary>Random weights with non-zero biases (CreateRandom zeroes them, which would hide a bias that is not loaded).</summary>
    public static DecoderModel Create(DecoderConfig config, long seed)
    {
        var model = DecoderModel.CreateRandom(config, seed);
        using (no_grad())
        {
            var gen = new Generator((ulong)seed + 1);
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith(".bias") || name.EndsWith("norm.weight")) p.add_(randn(p.shape, generator: gen).mul_(0.1));
        }
        model.eval();
        return model;
    }

    public static long[] RandomIds(int count, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)rng.Next(vocab)).ToArray();
    }

    public static float[] Floats(Tensor t) => t.contiguous().to(ScalarType.Float32).cpu().data<float>().ToArray();

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        var x = Floats(a);
        var y = Floats(b);
        Assert.Equal(x.Length, y.Length);
        double worst = 0;
        for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
        return worst;
    }
}
