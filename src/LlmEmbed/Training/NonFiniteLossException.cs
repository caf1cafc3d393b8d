namespace LlmEmbed.Training;

/// <summary>Raised when a training loss becomes NaN or infinite; the last good checkpoint is left untouched.</summary>
public sealed class NonFiniteLossException : Exception
{
    public NonFiniteLossException(long step, double loss, string? lastCheckpoint)
        : base($"training stopped at step {step}: the loss is {loss} (not finite). " +
               (lastCheckpoint != null ? $"The last good checkpoint is {lastCheckpoint}; resume from it with a lower learning rate." : "No checkpoint had been written yet."))
    {
        Step = step;
        Loss = loss;
        LastCheckpoint = lastCheckpoint;
    }

    public long Step { get; }
    public double Loss { get; }
    public string? LastCheckpoint { get; }
}
