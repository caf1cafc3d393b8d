namespace LlmEmbed.Training;

/// <summary>A progress report from a training loop (for a progress bar or a log line).</summary>
public sealed record TrainingProgress(
    long Step,
    long TotalSteps,
    double Loss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    string? Message = null,
    string? Context = null);
