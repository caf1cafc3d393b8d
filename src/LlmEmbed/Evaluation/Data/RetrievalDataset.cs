namespace LlmEmbed.Evaluation.Data;

/// <summary>
/// A BEIR retrieval split: the corpus, the queries that have judgments in the split, the judgments
/// (query id -> doc id -> integer grade), and warnings about dropped judgments.
/// </summary>
public sealed record RetrievalDataset(
    IReadOnlyList<CorpusDocument> Corpus,
    IReadOnlyList<RetrievalQuery> Queries,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Qrels,
    IReadOnlyList<string> Warnings);
