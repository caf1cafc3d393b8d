namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Outcome of <see cref="LbfgsMinimizer"/>: the last point, its value and gradient norm, why it stopped, and how many objective evaluations it took.</summary>
public sealed record LbfgsResult(double[] Point, double Value, double GradientMaxAbs, int Iterations, bool Converged, int Evaluations);
