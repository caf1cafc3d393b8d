using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// Grouped-query self-attention with RoPE, through scaled_dot_product_attention. For Qwen3 the queries and keys are
/// RMS-normalised per head (<c>q_norm</c>, <c>k_norm</c>, weight [head_dim]) before RoPE, as HF's <c>Qwen3Attention</c>.
/// </summary>
public sealed class DecoderAttention : nn.Module
{
    private readonly LoraLinear q_proj;
    private readonly LoraLinear k_proj;
    private readonly LoraLinear v_proj;
    private readonly LoraLinear o_proj;
    private readonly RmsNorm? q_norm;
    private readonly RmsNorm? k_norm;
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;

    public DecoderAttention(DecoderConfig c) : base(nameof(DecoderAttention))
    {
        heads = c.NumAttentionHeads;
        kvHeads = c.NumKeyValueHeads;
        headDim = c.HeadDim;
        q_proj = new LoraLinear(c.HiddenSize, heads * headDim, c.QkvBias);
        k_proj = new LoraLinear(c.HiddenSize, kvHeads * headDim, c.QkvBias);
        v_proj = new LoraLinear(c.HiddenSize, kvHeads * headDim, c.QkvBias);
        o_proj = new LoraLinear(heads * headDim, c.HiddenSize, c.OutputBias);
        if (c.QkNorm)
        {
            q_norm = new RmsNorm(headDim, c.RmsNormEps);
            k_norm = new RmsNorm(headDim, c.RmsNormEps);
        }
        RegisterComponents();
    }

    /// <summary>The projections by their HF short names (q_proj … o_proj), for LoRA targeting.</summary>
    public IEnumerable<(string Name, LoraLinear Projection)> Projections =>
        [("q_proj", q_proj), ("k_proj", k_proj), ("v_proj", v_proj), ("o_proj", o_proj)];

    /// <param name="x">[B, T, hidden]</param>
    /// <param name="cos">RoPE table [B, 1, T, d]</param>
    /// <param name="sin">RoPE table [B, 1, T, d]</param>
    /// <param name="mask">boolean [B, 1, T, T] (true = may attend), or null for an unpadded batch</param>
    /// <param name="causal">used only when <paramref name="mask"/> is null</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, heads, headDim);
        var k = k_proj.forward(x).view(b, t, kvHeads, headDim);
        // Qwen3: each head's query and key vector is normalised on its own (over head_dim), before RoPE.
        if (q_norm is not null) q = q_norm.forward(q);
        if (k_norm is not null) k = k_norm.forward(k);
        q = q.transpose(1, 2);
        k = k.transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, kvHeads, headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (kvHeads != heads)
        {
            // This SDPA binding has no enable_gqa flag: expand each KV head to the query heads it serves.
            k = k.repeat_interleave(heads / kvHeads, dim: 1);
            v = v.repeat_interleave(heads / kvHeads, dim: 1);
        }
        var attended = mask is null
            ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: causal)
            : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
        var merged = attended.transpose(1, 2).reshape(b, t, heads * headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
