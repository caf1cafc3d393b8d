namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// One reranking instance: the query's embedding rows (several rows = several phrasings, scored by the maximum),
/// and the embeddings of its positive and negative candidates.
/// </summary>
public sealed record RerankingInstance(
    IReadOnlyList<double[]> QueryEmbeddings,
    IReadOnlyList<double[]> PositiveEmbeddings,
    IReadOnlyList<double[]> NegativeEmbeddings);
