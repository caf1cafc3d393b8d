using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// A linear projection (HF names <c>weight</c>, <c>bias</c>) that can carry a LoRA adapter
/// (<c>lora_A.weight</c> [r, in], <c>lora_B.weight</c> [out, r], PEFT's names and shapes):
/// y = x Wᵀ + b + (α / r) · B A dropout(x). Every decoder projection is one of these, so LoRA is a
/// property of the projection rather than a wrapper that renames the base weights.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private Linear? lora_A;
    private Linear? lora_B;
    private Dropout? lora_dropout;

    public LoraLinear(long inFeatures, long outFeatures, bool hasBias, ScalarType dtype = ScalarType.Float32) : base(nameof(LoraLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures, dtype: dtype));
        if (hasBias) bias = new Parameter(zeros(outFeatures, dtype: dtype));
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    /// <summary>The adapter's rank, or 0 when no adapter is attached.</summary>
    public int Rank { get; private set; }
    public double Alpha { get; private set; }
    public double Scaling => Rank == 0 ? 0 : Alpha / Rank;

    /// <summary>True once the adapter has been folded into <see cref="Weight"/>; the adapter is then not applied again.</summary>
    public bool Merged { get; private set; }

    public Parameter? LoraA => lora_A?.weight;
    public Parameter? LoraB => lora_B?.weight;

    /// <summary>
    /// Attaches a LoRA adapter initialised as PEFT does: A ~ Kaiming-uniform(a = √5), B = 0, so the model's
    /// output is unchanged until B is trained.
    /// </summary>
    public void AddAdapter(int rank, double alpha, double dropout, Generator? generator = null)
    {
        if (Rank != 0) throw new InvalidOperationException("this projection already has a LoRA adapter");
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be positive");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "LoRA dropout must be in [0, 1)");
        var dtype = weight.dtype;
        lora_A = nn.Linear(InFeatures, rank, hasBias: false, dtype: dtype);
        lora_B = nn.Linear(rank, OutFeatures, hasBias: false, dtype: dtype);
        using (no_grad())
        {
            // kaiming_uniform_(a=sqrt(5)) on [r, in]: bound = sqrt(6 / ((1 + a²) · fan_in)) = 1 / sqrt(fan_in).
            double bound = 1.0 / Math.Sqrt(InFeatures);
            using var init = rand(new long[] { rank, InFeatures }, dtype: ScalarType.Float32, generator: generator);
            // Explicit, disposed Scalars: an implicit double→Scalar temporary can be finalized while libtorch still
            // reads it (a CI run failed in Scalar::toDouble here).
            using var scale = (2 * bound).ToScalar();
            using var shift = bound.ToScalar();
            lora_A.weight!.copy_(init.mul_(scale).sub_(shift));
            lora_B.weight!.zero_();
        }
        lora_dropout = dropout > 0 ? nn.Dropout(dropout) : null;
        register_module("lora_A", lora_A);
        register_module("lora_B", lora_B);
        if (lora_dropout != null) register_module("lora_dropout", lora_dropout);
        Rank = rank;
        Alpha = alpha;
    }

    /// <summary>Folds the adapter into the base weight (W += (α/r)·B·A) for inference.</summary>
    public void Merge()
    {
        if (Rank == 0 || Merged) return;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var delta = lora_B!.weight!.to(ScalarType.Float32).matmul(lora_A!.weight!.to(ScalarType.Float32)).mul(Scaling);
            weight.copy_(weight.to(ScalarType.Float32).add(delta));
        }
        Merged = true;
    }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.linear(x, weight, bias);
        if (Rank == 0 || Merged) return y;
        using var scope = NewDisposeScope();
        var input = lora_dropout != null ? lora_dropout.forward(x) : x;
        var update = lora_B!.forward(lora_A!.forward(input)).mul(Scaling);
        return y.add(update).MoveToOuterDisposeScope();
    }
}
