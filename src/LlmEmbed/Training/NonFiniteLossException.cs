namespace LlmEmbed.Training;

/// <summary>
/// Raised when training diverges (a NaN or infinite loss or gradient, or weights that blew up) at the step where it
/// happens; the last good checkpoint is left untouched and nothing from the diverged step is saved.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    public NonFiniteLossException(long step, double loss, string? lastCheckpoint)
        : this(step, loss, lastCheckpoint, $"the loss is {loss} (not finite)")
    {
    }

    /// <param name="reason">What went wrong at <paramref name="step"/>, e.g. "the gradient norm is NaN".</param>
    public NonFiniteLossException(long step, double loss, string? lastCheckpoint, string reason)
        : base($"training stopped at step {step}: {reason}. " +
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
