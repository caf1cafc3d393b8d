using static TorchSharp.torch;

namespace LlmEmbed.Training;

/// <summary>
/// Stops a training loop at the step where it diverges, before that step can be checkpointed as "last good": the
/// loss and the gradient norm must be finite before the update, and every parameter finite and below
/// <see cref="MaxAbsWeight"/> after it. Called once per optimiser step by every training loop.
/// </summary>
public sealed class DivergenceGuard(double maxAbsWeight = DivergenceGuard.DefaultMaxAbsWeight)
{
    /// <summary>Trained weights of the models this library builds stay far below this; a larger one means the update blew up.</summary>
    public const double DefaultMaxAbsWeight = 1e4;

    public double MaxAbsWeight { get; } = maxAbsWeight > 0 ? maxAbsWeight : throw new ArgumentOutOfRangeException(nameof(maxAbsWeight), maxAbsWeight, "must be positive");

    /// <summary>Before the update: a non-finite loss or gradient norm would write NaN/inf into the weights.</summary>
    public void CheckGradients(long step, double loss, double gradNorm, string? lastCheckpoint)
    {
        if (!double.IsFinite(loss)) throw new NonFiniteLossException(step, loss, lastCheckpoint);
        if (!double.IsFinite(gradNorm))
            throw new NonFiniteLossException(step, loss, lastCheckpoint, $"the gradient norm is {gradNorm} (loss {loss})");
    }

    /// <summary>After the update: every parameter finite and no larger in magnitude than <see cref="MaxAbsWeight"/>.</summary>
    public void CheckWeights(long step, double loss, IEnumerable<(string Name, Tensor Parameter)> parameters, string? lastCheckpoint)
    {
        using var scope = NewDisposeScope();
        var list = parameters.Where(p => p.Parameter.numel() > 0).ToList();
        if (list.Count == 0) return;
        using var _ = no_grad();
        // One reduction per tensor and a single transfer; NaN propagates through max, so one comparison covers both.
        var peaks = stack(list.Select(p => p.Parameter.detach().abs().max().to(ScalarType.Float32)).ToArray()).cpu().data<float>().ToArray();
        for (int i = 0; i < peaks.Length; i++)
        {
            if (peaks[i] <= MaxAbsWeight) continue;
            string what = float.IsFinite(peaks[i]) ? $"reached |w| = {peaks[i]:G3} (limit {MaxAbsWeight:G3})" : "became non-finite";
            throw new NonFiniteLossException(step, loss, lastCheckpoint, $"the weights diverged: parameter '{list[i].Name}' {what} after the update (loss {loss})");
        }
    }
}
