namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// The outcome of one reranking instance. <see cref="Scores"/> are in candidate order (positives, then negatives);
/// <see cref="RankOfFirstRelevant"/> is 1-based over the whole ranking. A skipped instance (no positives or no
/// negatives) has no scores, NaN metrics and rank 0.
/// </summary>
public sealed record RerankingInstanceResult(
    bool Skipped,
    IReadOnlyList<double> Scores,
    double AveragePrecision,
    double ReciprocalRankAtK,
    int RankOfFirstRelevant)
{
    public static RerankingInstanceResult SkippedInstance { get; } = new(true, [], double.NaN, double.NaN, 0);
}
