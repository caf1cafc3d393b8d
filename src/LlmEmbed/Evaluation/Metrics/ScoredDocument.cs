namespace LlmEmbed.Evaluation.Metrics;

/// <summary>One retrieved candidate of a query: the document id and the retriever's score (higher = better).</summary>
public readonly record struct ScoredDocument(string DocId, double Score);
