namespace LlmEmbed.Evaluation.Data;

/// <summary>One reranking row: a query and its positive and negative candidate texts.</summary>
public sealed record RerankingSample(string Query, IReadOnlyList<string> Positives, IReadOnlyList<string> Negatives);
