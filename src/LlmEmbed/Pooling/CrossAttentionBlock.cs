using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>
/// The Perceiver-style block shared by the latent-attention and multi-layer poolers:
/// x = q + W_o · MHA(LN_q(q), LN_kv(kv)); x = x + FF(LN_ff(x)) with a GEGLU feed-forward
/// (a · gelu(g), width = multiplier × query width). Masked keys get −∞ scores inside the softmax, so padding
/// tokens cannot receive any attention weight.
/// </summary>
public sealed class CrossAttentionBlock : nn.Module
{
    private readonly LayerNorm norm_q;
    private readonly LayerNorm norm_kv;
    private readonly Linear to_q;
    private readonly Linear to_kv;
    private readonly Linear to_out;
    private readonly LayerNorm norm_ff;
    private readonly Linear ff_in;
    private readonly Linear ff_out;

    public CrossAttentionBlock(int queryDim, int keyDim, int numHeads, int headSize, int feedForwardMultiplier, Generator generator)
        : base(nameof(CrossAttentionBlock))
    {
        QueryDim = queryDim;
        KeyDim = keyDim;
        NumHeads = numHeads;
        HeadSize = headSize;
        long inner = (long)numHeads * headSize, ff = (long)queryDim * feedForwardMultiplier;
        norm_q = nn.LayerNorm(queryDim);
        norm_kv = nn.LayerNorm(keyDim);
        to_q = nn.Linear(queryDim, inner, hasBias: false);
        to_kv = nn.Linear(keyDim, 2 * inner, hasBias: false);
        to_out = nn.Linear(inner, queryDim, hasBias: true);
        norm_ff = nn.LayerNorm(queryDim);
        ff_in = nn.Linear(queryDim, 2 * ff, hasBias: true);
        ff_out = nn.Linear(ff, queryDim, hasBias: true);
        RegisterComponents();
        using (no_grad())
        {
            // PyTorch's Linear default (uniform ±1/√fan_in), but from the pooler's own generator so runs are reproducible.
            foreach (var linear in new[] { to_q, to_kv, to_out, ff_in, ff_out })
            {
                double bound = 1.0 / Math.Sqrt(linear.weight!.shape[1]);
                using var u = rand(linear.weight.shape, generator: generator);
                linear.weight.copy_(u.mul_(2 * bound).sub_(bound));
                linear.bias?.zero_();
            }
        }
    }

    public int QueryDim { get; }
    public int KeyDim { get; }
    public int NumHeads { get; }
    public int HeadSize { get; }

    /// <param name="queries">[B, Q, queryDim]</param>
    /// <param name="keys">[B, K, keyDim] (keys and values come from the same states)</param>
    /// <param name="keyMask">optional boolean [B, K], true = may be attended to</param>
    /// <returns>[B, Q, queryDim]</returns>
    public Tensor Forward(Tensor queries, Tensor keys, Tensor? keyMask = null)
    {
        using var scope = NewDisposeScope();
        long b = queries.shape[0], nq = queries.shape[1], nk = keys.shape[1];
        if (keys.shape[0] != b) throw new ArgumentException($"queries batch {b} differs from keys batch {keys.shape[0]}");
        var q = to_q.forward(norm_q.forward(queries)).view(b, nq, NumHeads, HeadSize).transpose(1, 2);
        var kv = to_kv.forward(norm_kv.forward(keys)).chunk(2, -1);
        var k = kv[0].view(b, nk, NumHeads, HeadSize).transpose(1, 2);
        var v = kv[1].view(b, nk, NumHeads, HeadSize).transpose(1, 2);
        var scores = q.matmul(k.transpose(-1, -2)).mul(1.0 / Math.Sqrt(HeadSize));
        if (keyMask is not null)
            scores = scores.masked_fill(keyMask.to(ScalarType.Bool).logical_not().view(b, 1, 1, nk), double.NegativeInfinity);
        var attended = scores.softmax(-1).matmul(v).transpose(1, 2).reshape(b, nq, (long)NumHeads * HeadSize);
        var x = queries.add(to_out.forward(attended));
        var gated = ff_in.forward(norm_ff.forward(x)).chunk(2, -1);
        var ff = ff_out.forward(gated[0].mul(nn.functional.gelu(gated[1])));
        return x.add(ff).MoveToOuterDisposeScope();
    }
}
