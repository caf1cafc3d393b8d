namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// Retrieval metrics of a whole query set: per evaluated query and their mean, plus the queries left out
/// because they had results but no judgments, or judgments but no results (trec_eval's default, without <c>-c</c>).
/// </summary>
public sealed record RetrievalEvaluation(
    IReadOnlyDictionary<string, RetrievalScores> PerQuery,
    RetrievalScores Mean,
    IReadOnlyList<string> QueriesWithoutJudgments,
    IReadOnlyList<string> QueriesWithoutResults);
