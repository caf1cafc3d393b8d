using LlmEmbed.Models;

namespace LlmEmbed.Bench;

/// <summary>
/// Model FLOPs (the algorithm's work, not what the kernels happen to do): every multiply-add of a weight matmul is
/// 2 FLOPs per token; attention scores and the weighted sum count the full T x T square (PaLM's convention, and what
/// a masked scaled_dot_product_attention computes); norms, RoPE, softmax, activations and the embedding lookup are
/// not counted; the LM head is counted only when logits are computed (never in these benchmarks).
/// </summary>
internal static class ModelFlops
{
    /// <summary>Parameters outside the embedding table (and outside an untied LM head).</summary>
    public static long NonEmbeddingParameters(DecoderConfig c) =>
        c.ParameterCount - (long)c.VocabSize * c.HiddenSize * (c.TieWordEmbeddings ? 1 : 2);

    /// <summary>QK^T plus attention-weighted V over a [batch, seq] block: 2 x 2 x B x T^2 x heads x head_dim per layer.</summary>
    public static double AttentionForward(DecoderConfig c, long batch, long seq) =>
        4.0 * batch * seq * seq * c.NumAttentionHeads * c.HeadDim * c.NumHiddenLayers;

    /// <summary>Forward FLOPs of a [batch, seq] block (padding included: the hardware processes it).</summary>
    public static double Forward(DecoderConfig c, long batch, long seq) =>
        2.0 * NonEmbeddingParameters(c) * batch * seq + AttentionForward(c, batch, seq);

    /// <summary>Parameters of rank-<paramref name="rank"/> LoRA on all seven projections of every layer.</summary>
    public static long LoraParameters(DecoderConfig c, int rank)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, i = c.IntermediateSize;
        long perLayer = (h + q) + (h + kv) + (h + kv) + (q + h) + 3 * (h + i);
        return rank * perLayer * c.NumHiddenLayers;
    }

    /// <summary>
    /// One training pass (forward + backward) over a [batch, seq] block with frozen base weights and LoRA adapters:
    /// forward F; backward of the frozen weights computes only activation gradients (another 2·N per token, no weight
    /// gradients); attention backward is twice its forward (dQ, dK, dV, dP); LoRA costs 2·P per token forward and
    /// 4·P backward (activation and weight gradients).
    /// </summary>
    public static double LoraTrainPass(DecoderConfig c, long batch, long seq, int rank)
    {
        double tokens = (double)batch * seq;
        double weights = 2.0 * NonEmbeddingParameters(c) * tokens;
        double attention = AttentionForward(c, batch, seq);
        double lora = 2.0 * LoraParameters(c, rank) * tokens;
        return (weights + attention + lora) + (weights + 2 * attention + 2 * lora);
    }

    /// <summary>
    /// One full-parameter pretraining step (causal LM) over a [batch, seq] block: forward with the LM head (2·vocab·hidden
    /// per token, tied or not), backward twice that (activation and weight gradients of every weight), attention backward
    /// twice its forward.
    /// </summary>
    public static double PretrainStep(DecoderConfig c, long batch, long seq)
    {
        double tokens = (double)batch * seq;
        double weights = 2.0 * (NonEmbeddingParameters(c) + (long)c.VocabSize * c.HiddenSize) * tokens;
        return 3 * weights + 3 * AttentionForward(c, batch, seq);
    }
}
