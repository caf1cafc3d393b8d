using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(·)).</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly DecoderAttention self_attn;
    private readonly DecoderMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;

    public DecoderLayer(DecoderConfig c) : base(nameof(DecoderLayer))
    {
        self_attn = new DecoderAttention(c);
        mlp = new DecoderMlp(c);
        input_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        post_attention_layernorm = new RmsNorm(c.HiddenSize, c.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>The layer's projections with their paths inside the layer (<c>self_attn.q_proj</c>, <c>mlp.up_proj</c>, …).</summary>
    public IEnumerable<(string Path, LoraLinear Projection)> Projections =>
        self_attn.Projections.Select(p => ("self_attn." + p.Name, p.Projection))
            .Concat(mlp.Projections.Select(p => ("mlp." + p.Name, p.Projection)));

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool causal)
    {
        using var scope = NewDisposeScope();
        var h = x.add(self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, causal));
        return h.add(mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
