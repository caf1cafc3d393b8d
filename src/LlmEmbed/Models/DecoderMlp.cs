using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class DecoderMlp : nn.Module<Tensor, Tensor>
{
    private readonly LoraLinear gate_proj;
    private readonly LoraLinear up_proj;
    private readonly LoraLinear down_proj;

    public DecoderMlp(DecoderConfig c) : base(nameof(DecoderMlp))
    {
        gate_proj = new LoraLinear(c.HiddenSize, c.IntermediateSize, false);
        up_proj = new LoraLinear(c.HiddenSize, c.IntermediateSize, false);
        down_proj = new LoraLinear(c.IntermediateSize, c.HiddenSize, false);
        RegisterComponents();
    }

    public IEnumerable<(string Name, LoraLinear Projection)> Projections =>
        [("gate_proj", gate_proj), ("up_proj", up_proj), ("down_proj", down_proj)];

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // Without autograd the activation can be computed in place (with it, silu's backward needs its input).
        var h = is_grad_enabled()
            ? nn.functional.silu(gate_proj.forward(x)).mul(up_proj.forward(x))
            : nn.functional.silu(gate_proj.forward(x), inplace: true).mul_(up_proj.forward(x));
        return down_proj.forward(h).MoveToOuterDisposeScope();
    }
}
