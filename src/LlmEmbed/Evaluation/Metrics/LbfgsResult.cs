namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Outcome of <see cref="LbfgsMinimizer"/>: the last point, its value and gradient norm, and why it stopped.</summary>
public sealed record LbfgsResult(double[] Point, double Value, double GradientMaxAbs, int Iterations, bool Converged);
