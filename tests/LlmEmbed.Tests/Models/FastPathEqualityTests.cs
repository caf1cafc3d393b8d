using LlmEmbed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>
/// The decoder's fast path (mask and RoPE tables built once per forward in the compute dtype, in-place temporaries)
/// against the previous path, kept here verbatim as a reference computed from the same weights: per-layer boolean
/// masks handed to SDPA, float32 RoPE tables cast in every layer, out-of-place norms and activations. Speed must not
/// change the embeddings: float32 within 1e-5, bf16 within bf16's resolution.
/// </summary>
public class FastPathEqualityTests
{
    /// <summary>The default model's shape (configs/pretrain-default.yaml), small vocab: GQA 8 over 2 heads, no biases.</summary>
    private static DecoderConfig DefaultShape => new()
    {
        ModelType = "llama", VocabSize = 97, HiddenSize = 256, IntermediateSize = 768, NumHiddenLayers = 3,
        NumAttentionHeads = 8, NumKeyValueHeadsRaw = 2, MaxPositionEmbeddings = 1024, TieWordEmbeddings = true,
    };

    public static TheoryData<string, AttentionMode, bool, bool> Cases()
    {
        var data = new TheoryData<string, AttentionMode, bool, bool>();
        foreach (var shape in new[] { "default", "qwen2" })
            foreach (var mode in new[] { AttentionMode.Causal, AttentionMode.Bidirectional })
                foreach (bool bf16 in new[] { false, true })
                    data.Add(shape, mode, bf16, mode == AttentionMode.Causal);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EmbeddingsEqualThePreviousPath(string shape, AttentionMode mode, bool bf16, bool leftPadding)
    {
        var config = shape == "default" ? DefaultShape : TinyModels.Qwen2;
        using var model = TinyModels.Create(config, seed: 17);
        if (bf16) model.to(ScalarType.BFloat16);
        using var _ = no_grad();
        int[] lengths = [23, 5, 1, 17];
        int t = lengths.Max();
        var ids = new long[lengths.Length * t];
        var mask = new long[lengths.Length * t];
        Array.Fill(ids, 3);
        var rng = new Random(4);
        for (int i = 0; i < lengths.Length; i++)
        {
            int offset = leftPadding ? t - lengths[i] : 0;
            for (int j = 0; j < lengths[i]; j++) { ids[i * t + offset + j] = rng.Next(config.VocabSize); mask[i * t + offset + j] = 1; }
        }
        using var input = tensor(ids).view(lengths.Length, t);
        using var attention = tensor(mask).view(lengths.Length, t);

        using var fast = model.Forward(input, attention, mode);
        using var reference = PreviousPath(model, input, attention, mode);
        using var unpadded = model.Forward(input.narrow(0, 0, 1), null, mode);
        using var unpaddedReference = PreviousPath(model, input.narrow(0, 0, 1), null, mode);

        // The embedding an eos pooler takes: the last real token of each row, L2-normalised in float32.
        using var last = leftPadding ? full(lengths.Length, t - 1, dtype: ScalarType.Int64) : tensor(lengths.Select(l => (long)l - 1).ToArray());
        using var rows = arange(lengths.Length, dtype: ScalarType.Int64);
        using var fastEmbedding = nn.functional.normalize(fast.LastHiddenState.index(rows, last).to(ScalarType.Float32), p: 2, dim: 1);
        using var referenceEmbedding = nn.functional.normalize(reference.index(rows, last).to(ScalarType.Float32), p: 2, dim: 1);
        // float32: 1e-5; bf16: a few units of bf16's last place (2^-8 relative) on unit vectors.
        double tolerance = bf16 ? 1e-2 : 1e-5;
        double embeddingDiff = TinyModels.MaxAbsDiff(fastEmbedding, referenceEmbedding);
        Assert.True(embeddingDiff <= tolerance, $"padded batch: embeddings differ by {embeddingDiff} (tolerance {tolerance})");
        double unpaddedDiff = TinyModels.MaxAbsDiff(unpadded.LastHiddenState, unpaddedReference);
        double scale = TinyModels.Floats(unpaddedReference).Max(v => Math.Abs((double)v));
        Assert.True(unpaddedDiff <= tolerance * scale, $"unpadded: final states differ by {unpaddedDiff} (tolerance {tolerance} × max |state| {scale})");
        // Sanity: the reference is not trivially equal to anything (different inputs give different embeddings).
        Assert.True(TinyModels.MaxAbsDiff(referenceEmbedding[0], referenceEmbedding[1]) > 1e-3);
    }

    /// <summary>The decoder forward as it was before the fast path (final normed hidden states [B, T, hidden]).</summary>
    private static Tensor PreviousPath(DecoderModel model, Tensor inputIds, Tensor? attentionMask, AttentionMode mode)
    {
        var c = model.Config;
        var w = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        long b = inputIds.shape[0], t = inputIds.shape[1];
        bool causal = mode == AttentionMode.Causal;
        using var scope = NewDisposeScope();
        Tensor positions;
        Tensor? mask = null;
        if (attentionMask is null)
        {
            positions = arange(t, dtype: ScalarType.Int64).unsqueeze(0).expand(b, t);
        }
        else
        {
            var valid = attentionMask.to(ScalarType.Bool);
            positions = valid.to(ScalarType.Int64).cumsum(1).sub_(1).clamp_min_(0);
            var allowed = valid.view(b, 1, 1, t).expand(b, 1, t, t);
            if (causal) allowed = allowed.logical_and(ones(t, t, dtype: ScalarType.Bool).tril());
            mask = allowed.logical_or(eye(t, dtype: ScalarType.Bool));
        }
        int d = c.HeadDim;
        var inv = tensor(Enumerable.Range(0, d / 2).Select(i => (float)(1.0 / Math.Pow(c.RopeTheta, 2.0 * i / d))).ToArray());
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1).mul(inv);
        var emb = cat([angles, angles], -1).unsqueeze(1);
        Tensor cos = emb.cos(), sin = emb.sin();

        Tensor Norm(Tensor x, string name)
        {
            var x32 = x.to(ScalarType.Float32);
            var normed = x32.mul(x32.pow(2).mean([-1L], keepdim: true).add(c.RmsNormEps).rsqrt());
            return w[name].mul(normed.to(x.dtype));
        }
        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, w[name + ".weight"], w.GetValueOrDefault(name + ".bias"));
        Tensor Rope(Tensor x)
        {
            long half = x.shape[^1] / 2;
            var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
            return x.mul(cos.to(x.dtype)).add_(rotated.mul(sin.to(x.dtype)));
        }

        var h = w["model.embed_tokens.weight"].index_select(0, inputIds.reshape(-1)).view(b, t, c.HiddenSize);
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            var a = Norm(h, p + "input_layernorm.weight");
            var q = Rope(Linear(a, p + "self_attn.q_proj").view(b, t, c.NumAttentionHeads, d).transpose(1, 2));
            var k = Rope(Linear(a, p + "self_attn.k_proj").view(b, t, c.NumKeyValueHeads, d).transpose(1, 2));
            var v = Linear(a, p + "self_attn.v_proj").view(b, t, c.NumKeyValueHeads, d).transpose(1, 2);
            if (c.NumKeyValueHeads != c.NumAttentionHeads)
            {
                k = k.repeat_interleave(c.NumAttentionHeads / c.NumKeyValueHeads, dim: 1);
                v = v.repeat_interleave(c.NumAttentionHeads / c.NumKeyValueHeads, dim: 1);
            }
            var attended = mask is null
                ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: causal)
                : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
            h = h.add(Linear(attended.transpose(1, 2).reshape(b, t, c.NumAttentionHeads * d), p + "self_attn.o_proj"));
            var m = Norm(h, p + "post_attention_layernorm.weight");
            h = h.add(Linear(nn.functional.silu(Linear(m, p + "mlp.gate_proj")).mul(Linear(m, p + "mlp.up_proj")), p + "mlp.down_proj"));
        }
        return Norm(h, "model.norm.weight").MoveToOuterDisposeScope();
    }
}
