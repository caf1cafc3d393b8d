namespace LlmEmbed.Evaluation.Metrics;

/// <summary>A k-means clustering: the cluster of each row, the centres and the inertia (sum of squared distances).</summary>
public sealed record KMeansResult(int[] Assignments, double[][] Centers, double Inertia, int Iterations);
