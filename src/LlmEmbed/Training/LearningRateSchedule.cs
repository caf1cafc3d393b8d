namespace LlmEmbed.Training;

/// <summary>How the learning rate falls after warmup.</summary>
public enum DecayKind
{
    Linear,
    Cosine,
    Constant,
}

/// <summary>
/// Linear warmup from 0 to the peak over <see cref="WarmupSteps"/>, then linear or cosine decay to
/// <see cref="MinRatio"/> × peak at <see cref="TotalSteps"/>. A pure function of the step, so resuming needs no state.
/// </summary>
public sealed record LearningRateSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps, DecayKind Decay = DecayKind.Linear, double MinRatio = 0.0)
{
    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return PeakLearningRate * (step + 1) / WarmupSteps;
        if (Decay == DecayKind.Constant || TotalSteps <= WarmupSteps) return PeakLearningRate;
        double progress = Math.Clamp((double)(step - WarmupSteps) / (TotalSteps - WarmupSteps), 0, 1);
        double factor = Decay == DecayKind.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return PeakLearningRate * (MinRatio + (1 - MinRatio) * factor);
    }
}
