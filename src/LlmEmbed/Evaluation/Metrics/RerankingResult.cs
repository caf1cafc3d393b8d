namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// MTEB v1 reranking scores: MAP and MRR@k averaged over the evaluated instances; skipped instances
/// (without positives or without negatives) are counted but not averaged.
/// </summary>
public sealed record RerankingResult(
    IReadOnlyList<RerankingInstanceResult> PerInstance,
    double Map,
    double MrrAtK,
    int MrrCutoff,
    int EvaluatedCount,
    int SkippedCount)
{
    /// <summary>MTEB v1's main reranking score: MAP.</summary>
    public double MainScore => Map;
}
