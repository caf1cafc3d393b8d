using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training;

/// <summary>
/// AdamW (decoupled weight decay, Loshchilov &amp; Hutter) written out so that its whole state — float32 master
/// weights, first and second moments, step count — is plain named tensors we can checkpoint and restore bit for
/// bit. When a parameter is stored in bfloat16 the update happens on its float32 master copy and is then rounded
/// into the parameter, so small updates are not lost to bf16's 8-bit mantissa.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly List<Slot> slots = [];

    private sealed class Slot
    {
        public required string Name;
        public required Parameter Parameter;
        public required bool Decay;
        public Tensor? Master;           // float32 copy when the parameter is not float32
        public required Tensor ExpAvg;
        public required Tensor ExpAvgSq;
    }

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double weightDecay, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        Func<string, bool>? noDecay = null)
    {
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        noDecay ??= DefaultNoDecay;
        foreach (var (name, p) in parameters)
        {
            if (!p.requires_grad) continue;
            slots.Add(new Slot
            {
                Name = name,
                Parameter = p,
                Decay = !noDecay(name),
                Master = p.dtype == ScalarType.Float32 ? null : p.detach().to(ScalarType.Float32).clone(),
                ExpAvg = zeros(p.shape, dtype: ScalarType.Float32, device: p.device),
                ExpAvgSq = zeros(p.shape, dtype: ScalarType.Float32, device: p.device),
            });
        }
        if (slots.Count == 0) throw new ArgumentException("no trainable parameters were given to the optimiser", nameof(parameters));
    }

    /// <summary>No weight decay on norms, biases, and learned latents / layer embeddings (they are not weights in the usual sense).</summary>
    public static bool DefaultNoDecay(string name) =>
        name.EndsWith(".bias") || name.Contains("norm") || name.Contains("latents") || name.Contains("layer_embedding");

    public double WeightDecay { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public long Step { get; private set; }

    public IEnumerable<Parameter> Parameters => slots.Select(s => s.Parameter);
    public long TrainableParameterCount => slots.Sum(s => s.Parameter.numel());

    public void ZeroGrad()
    {
        foreach (var s in slots)
        {
            var g = s.Parameter.grad;
            if (g is not null) g.zero_();
        }
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        var norms = slots.Where(s => s.Parameter.grad is not null).Select(s => s.Parameter.grad!.to(ScalarType.Float32).norm()).ToArray();
        if (norms.Length == 0) return 0;
        double total = stack(norms).norm().item<float>();
        if (maxNorm > 0 && total > maxNorm)
        {
            double factor = maxNorm / (total + 1e-6);
            foreach (var s in slots) s.Parameter.grad?.mul_(factor);
        }
        return total;
    }

    public void StepWith(double learningRate)
    {
        Step++;
        double bc1 = 1 - Math.Pow(Beta1, Step);
        double bc2 = 1 - Math.Pow(Beta2, Step);
        using var _ = no_grad();
        foreach (var s in slots)
        {
            var grad = s.Parameter.grad;
            if (grad is null) continue;
            using var scope = NewDisposeScope();
            var g = grad.dtype == ScalarType.Float32 ? grad : grad.to(ScalarType.Float32);
            var w = s.Master ?? s.Parameter;
            if (s.Decay && WeightDecay > 0) w.mul_(1 - learningRate * WeightDecay);
            s.ExpAvg.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            s.ExpAvgSq.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denom = s.ExpAvgSq.div(bc2).sqrt_().add_(Eps);
            w.addcdiv_(s.ExpAvg, denom, value: -learningRate / bc1);
            if (s.Master is not null) s.Parameter.copy_(s.Master);
        }
    }

    /// <summary>The optimiser state as named tensors (for checkpoints): moments, master weights, and the step.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors()
    {
        foreach (var s in slots)
        {
            yield return new($"exp_avg.{s.Name}", s.ExpAvg);
            yield return new($"exp_avg_sq.{s.Name}", s.ExpAvgSq);
            if (s.Master is not null) yield return new($"master.{s.Name}", s.Master);
        }
    }

    /// <summary>Restores <see cref="StateTensors"/> and the step; every slot must be present with its shape.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long step, string source)
    {
        using var _ = no_grad();
        foreach (var s in slots)
        {
            Copy(s.ExpAvg, $"exp_avg.{s.Name}");
            Copy(s.ExpAvgSq, $"exp_avg_sq.{s.Name}");
            if (s.Master is not null) Copy(s.Master, $"master.{s.Name}");
        }
        Step = step;

        void Copy(Tensor target, string name)
        {
            if (!state.TryGetValue(name, out var t)) throw new InvalidDataException($"{source}: optimiser state lacks tensor '{name}'");
            if (!t.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{source}: optimiser tensor '{name}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", target.shape)}]");
            target.copy_(t);
        }
    }

    public void Dispose()
    {
        foreach (var s in slots)
        {
            s.ExpAvg.Dispose();
            s.ExpAvgSq.Dispose();
            s.Master?.Dispose();
        }
    }
}
