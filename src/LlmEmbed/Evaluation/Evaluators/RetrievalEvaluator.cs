using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Search;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>
/// MTEB (v1) retrieval: queries (with instruction) and documents (<c>title text</c>, no instruction) embedded,
/// exact cosine top-1000 search, trec_eval measures at k in <see cref="RetrievalMetrics.MtebDefaultKValues"/>;
/// main = nDCG@10. A document whose id equals the query id is dropped only for a task whose registry entry sets
/// <c>ignore_identical_ids</c> (current MTEB's per-task flag, off by default).
/// </summary>
public static class RetrievalEvaluator
{
    public const int TopK = 1000;

    public static async Task<SplitScores> EvaluateAsync(TaskContext context, CancellationToken cancellationToken)
    {
        string split = context.Task.EvalSplit;
        var (data, queries, corpus) = Prepare(context);
        var queryEmbeddings = await context.EncodeAsync(split, TextRole.Query, queries.Select(q => q.Text).ToArray(), cancellationToken);
        // The corpus does not depend on the split; its cache entry is shared between splits.
        string corpusKey = context.MaxSamples is null ? "corpus" : $"corpus-sub{context.MaxSamples}";
        var corpusEmbeddings = await context.EncodeAsync(corpusKey, TextRole.Document, corpus.Select(d => d.FormattedText).ToArray(), cancellationToken);
        var hits = ExactSearch.Search(queryEmbeddings, corpusEmbeddings, TopK + 1, SearchSimilarity.Cosine);
        return ToSplitScores(ResultsFromHits(queries, corpus, hits, context.Task.IgnoreIdenticalIds), queries, data);
    }

    /// <summary>Each query's top <see cref="TopK"/> documents from its best-first hits (at least TopK + 1 of them), skipping the document whose id is the query's when <paramref name="ignoreIdenticalIds"/>.</summary>
    public static Dictionary<string, IReadOnlyList<ScoredDocument>> ResultsFromHits(
        IReadOnlyList<RetrievalQuery> queries, IReadOnlyList<CorpusDocument> corpus, IReadOnlyList<IReadOnlyList<SearchHit>> hits, bool ignoreIdenticalIds)
    {
        var results = new Dictionary<string, IReadOnlyList<ScoredDocument>>(StringComparer.Ordinal);
        for (int q = 0; q < queries.Count; q++)
        {
            string queryId = queries[q].Id;
            results[queryId] = hits[q].Where(h => !ignoreIdenticalIds || corpus[h.Index].Id != queryId).Take(TopK)
                .Select(h => new ScoredDocument(corpus[h.Index].Id, h.Score)).ToArray();
        }
        return results;
    }

    /// <summary>The split's data, the evaluated queries and the searched corpus (both subsampled under MaxSamples).</summary>
    public static (RetrievalDataset Data, IReadOnlyList<RetrievalQuery> Queries, IReadOnlyList<CorpusDocument> Corpus) Prepare(TaskContext context)
    {
        var data = DatasetReader.ReadRetrieval(context.DatasetFolder, context.Task.EvalSplit);
        foreach (string warning in data.Warnings) context.Warn(warning);
        var queries = context.Subsample(data.Queries);
        var corpus = data.Corpus;
        if (context.MaxSamples is int max && corpus.Count > max)
        {
            // Keep every document judged for the kept queries plus a seeded sample of the others, so scores stay meaningful.
            var judged = queries.SelectMany(q => data.Qrels[q.Id].Keys).ToHashSet(StringComparer.Ordinal);
            var others = corpus.Where(d => !judged.Contains(d.Id)).ToArray();
            var keptOthers = context.Subsample(others, 4 * max).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            corpus = corpus.Where(d => judged.Contains(d.Id) || keptOthers.Contains(d.Id)).ToArray();
        }
        context.EvaluatedRows = queries.Count;
        return (data, queries, corpus);
    }

    /// <summary>
    /// trec_eval measures of ranked results, with per-query nDCG@10 as items in query order (shared with the lexical references).
    /// </summary>
    public static SplitScores ToSplitScores(Dictionary<string, IReadOnlyList<ScoredDocument>> results, IReadOnlyList<RetrievalQuery> queries, RetrievalDataset data)
    {
        var qrels = queries.ToDictionary(q => q.Id, q => data.Qrels[q.Id], StringComparer.Ordinal);
        var evaluation = RetrievalMetrics.Evaluate(results, qrels);
        var metrics = new Dictionary<string, double>(evaluation.Mean.ToDictionary());
        var perQuery = queries.Where(q => evaluation.PerQuery.ContainsKey(q.Id)).Select(q => evaluation.PerQuery[q.Id].ToDictionary()["ndcg_at_10"]).ToArray();
        return new SplitScores(metrics["ndcg_at_10"], metrics) { Items = ItemScores.FromMean(perQuery) };
    }
}
