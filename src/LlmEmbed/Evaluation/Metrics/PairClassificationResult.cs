namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// MTEB PairClassificationEvaluator output: the per-pair scores (cosine and dot similarities, the unnegated
/// Manhattan and Euclidean distances), the metrics of each, and the main score (the largest AP).
/// </summary>
public sealed record PairClassificationResult(
    IReadOnlyList<double> CosineScores,
    IReadOnlyList<double> DotScores,
    IReadOnlyList<double> ManhattanDistances,
    IReadOnlyList<double> EuclideanDistances,
    PairSimilarityMetrics Cosine,
    PairSimilarityMetrics Dot,
    PairSimilarityMetrics Manhattan,
    PairSimilarityMetrics Euclidean)
{
    /// <summary>MTEB v1's main score: the maximum AP over the four similarity functions.</summary>
    public double MainScore =>
        Math.Max(Math.Max(Cosine.AveragePrecision, Dot.AveragePrecision),
                 Math.Max(Manhattan.AveragePrecision, Euclidean.AveragePrecision));
}
