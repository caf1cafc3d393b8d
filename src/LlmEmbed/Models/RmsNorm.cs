using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>RMSNorm as in HF Llama: normalise in float32, cast back, then scale (weight · x̂).</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double eps;

    public RmsNorm(long size, double eps, ScalarType dtype = ScalarType.Float32) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(size, dtype: dtype));
        this.eps = eps;
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        // In place on temporaries only (never on x): fewer allocations, the same arithmetic.
        var normed = x32.mul(x32.pow(2).mean([-1L], keepdim: true).add_(eps).rsqrt_());
        return weight.mul(normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
