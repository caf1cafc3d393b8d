namespace LlmEmbed.Evaluation;

/// <summary>
/// How far an evaluation is through its tasks (for a progress bar): reported when task <see cref="Task"/> starts
/// (<see cref="MainScore"/> null, <see cref="Done"/> tasks finished before it) and when it ends (with its main score).
/// </summary>
public sealed record EvaluationProgress(int Done, int Total, string Task, double? MainScore = null);
