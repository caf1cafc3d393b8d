namespace LlmEmbed.Experiments;

/// <summary>
/// How far an experiment is through its arm runs (for a progress bar): <see cref="Done"/> of <see cref="Total"/> runs
/// finished, the run in hand and its phase ("training" when it starts, "done" when it has been evaluated), and the
/// time left estimated from the runs finished so far (null before the first one).
/// </summary>
public sealed record ExperimentProgress(int Done, int Total, string Run, string Phase, TimeSpan Elapsed, TimeSpan? Remaining);
