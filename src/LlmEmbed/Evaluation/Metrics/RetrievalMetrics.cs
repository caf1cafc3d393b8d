namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// trec_eval / pytrec_eval retrieval measures as MTEB reports them: nDCG@k (<c>ndcg_cut</c>), MAP@k (<c>map_cut</c>),
/// Recall@k, P@k and MRR@k.
/// </summary>
/// <remarks>
/// Semantics (see golden/README.md): candidates are ranked by score descending, ties by doc id descending in
/// byte order (trec_eval's comparator); relevant means grade &gt;= 1; R counts every judged relevant doc,
/// also those absent from the ranking; P@k divides by k even when fewer docs are ranked; nDCG's ideal DCG
/// comes from all judged grades; a query judged only with grade 0 scores 0 everywhere and stays in the mean.
/// </remarks>
public static class RetrievalMetrics
{
    /// <summary>The k values MTEB's retrieval evaluator reports.</summary>
    public static IReadOnlyList<int> MtebDefaultKValues { get; } = [1, 3, 5, 10, 20, 100, 1000];

    /// <summary>
    /// Evaluates every query that has both results and judgments and averages over them.
    /// </summary>
    /// <param name="results">Per query, its retrieved candidates (any order; typically the top-k of a search).</param>
    /// <param name="qrels">Per query, judged doc ids and their integer grades (0 = judged non-relevant).</param>
    /// <param name="kValues">Cut-offs; <see cref="MtebDefaultKValues"/> when null.</param>
    public static RetrievalEvaluation Evaluate(
        IReadOnlyDictionary<string, IReadOnlyList<ScoredDocument>> results,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> qrels,
        IReadOnlyList<int>? kValues = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(qrels);
        int[] ks = ValidateKValues(kValues ?? MtebDefaultKValues);

        var perQuery = new Dictionary<string, RetrievalScores>();
        var withoutJudgments = new List<string>();
        foreach (var (queryId, candidates) in results)
        {
            if (!qrels.TryGetValue(queryId, out var judgments))
            {
                withoutJudgments.Add(queryId);
                continue;
            }
            perQuery[queryId] = EvaluateQuery(candidates, judgments, ks);
        }
        var withoutResults = qrels.Keys.Where(q => !results.ContainsKey(q)).ToList();
        if (perQuery.Count == 0)
            throw new ArgumentException(
                "no query has both results and judgments: the query ids of results and qrels do not overlap", nameof(results));

        return new RetrievalEvaluation(perQuery, Average(perQuery.Values, ks), withoutJudgments, withoutResults);
    }

    /// <summary>Measures of one query at each k.</summary>
    /// <param name="candidates">Retrieved docs with scores, any order; doc ids must be unique.</param>
    /// <param name="judgments">Judged doc ids of this query with integer grades.</param>
    /// <param name="kValues">Cut-offs; <see cref="MtebDefaultKValues"/> when null.</param>
    public static RetrievalScores EvaluateQuery(
        IReadOnlyList<ScoredDocument> candidates,
        IReadOnlyDictionary<string, int> judgments,
        IReadOnlyList<int>? kValues = null)
    {
        ArgumentNullException.ThrowIfNull(judgments);
        int[] ks = ValidateKValues(kValues ?? MtebDefaultKValues);
        IReadOnlyList<string> ranking = Rank(candidates);

        int relevantTotal = 0;
        var idealGains = new List<int>();
        foreach (int grade in judgments.Values)
        {
            if (grade >= 1) relevantTotal++;
            if (grade > 0) idealGains.Add(grade);
        }
        idealGains.Sort((a, b) => b.CompareTo(a));

        // Prefix sums over the ranking, only as deep as the largest cut-off needs.
        int depth = Math.Min(ranking.Count, ks.Max());
        var dcg = new double[depth + 1];
        var relevantFound = new int[depth + 1];
        var precisionSum = new double[depth + 1];
        int firstRelevantRank = 0;
        for (int i = 1; i <= depth; i++)
        {
            int grade = judgments.TryGetValue(ranking[i - 1], out int g) ? g : 0;
            bool relevant = grade >= 1;
            dcg[i] = dcg[i - 1] + (grade > 0 ? grade / Math.Log2(i + 1) : 0.0);
            relevantFound[i] = relevantFound[i - 1] + (relevant ? 1 : 0);
            precisionSum[i] = precisionSum[i - 1] + (relevant ? (double)relevantFound[i] / i : 0.0);
            if (grade > 0 && firstRelevantRank == 0) firstRelevantRank = i;
        }

        int idealDepth = Math.Min(idealGains.Count, ks.Max());
        var idcg = new double[idealDepth + 1];
        for (int i = 1; i <= idealDepth; i++)
            idcg[i] = idcg[i - 1] + idealGains[i - 1] / Math.Log2(i + 1);

        var ndcg = new double[ks.Length];
        var map = new double[ks.Length];
        var recall = new double[ks.Length];
        var precision = new double[ks.Length];
        var mrr = new double[ks.Length];
        for (int j = 0; j < ks.Length; j++)
        {
            int k = ks[j];
            int at = Math.Min(k, depth);
            double ideal = idcg[Math.Min(k, idealDepth)];
            ndcg[j] = ideal > 0 ? dcg[at] / ideal : 0.0;
            map[j] = relevantTotal > 0 ? precisionSum[at] / relevantTotal : 0.0;
            recall[j] = relevantTotal > 0 ? (double)relevantFound[at] / relevantTotal : 0.0;
            precision[j] = (double)relevantFound[at] / k;
            mrr[j] = firstRelevantRank > 0 && firstRelevantRank <= k ? 1.0 / firstRelevantRank : 0.0;
        }
        return new RetrievalScores(ks, ndcg, map, recall, precision, mrr);
    }

    /// <summary>
    /// The doc ids in trec_eval's evaluation order: score descending, equal scores by doc id descending
    /// (byte-wise, so "d2" precedes "d10").
    /// </summary>
    public static IReadOnlyList<string> Rank(IReadOnlyList<ScoredDocument> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in candidates)
        {
            if (c.DocId is null)
                throw new ArgumentException("a candidate has a null doc id", nameof(candidates));
            if (double.IsNaN(c.Score))
                throw new ArgumentException($"candidate '{c.DocId}' has a NaN score", nameof(candidates));
            if (!seen.Add(c.DocId))
                throw new ArgumentException($"doc id '{c.DocId}' appears twice among the candidates", nameof(candidates));
        }
        var sorted = candidates.ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            int byScore = b.Score.CompareTo(a.Score);
            return byScore != 0 ? byScore : TrecDocIdComparer.Instance.Compare(b.DocId, a.DocId);
        });
        return sorted.Select(c => c.DocId).ToArray();
    }

    private static RetrievalScores Average(IEnumerable<RetrievalScores> scores, int[] ks)
    {
        var ndcg = new double[ks.Length];
        var map = new double[ks.Length];
        var recall = new double[ks.Length];
        var precision = new double[ks.Length];
        var mrr = new double[ks.Length];
        int count = 0;
        foreach (var s in scores)
        {
            count++;
            for (int j = 0; j < ks.Length; j++)
            {
                ndcg[j] += s.Ndcg[j];
                map[j] += s.Map[j];
                recall[j] += s.Recall[j];
                precision[j] += s.Precision[j];
                mrr[j] += s.Mrr[j];
            }
        }
        for (int j = 0; j < ks.Length; j++)
        {
            ndcg[j] /= count;
            map[j] /= count;
            recall[j] /= count;
            precision[j] /= count;
            mrr[j] /= count;
        }
        return new RetrievalScores(ks, ndcg, map, recall, precision, mrr);
    }

    private static int[] ValidateKValues(IReadOnlyList<int> kValues)
    {
        if (kValues.Count == 0)
            throw new ArgumentException("at least one k value is needed", nameof(kValues));
        foreach (int k in kValues)
            if (k < 1) throw new ArgumentException($"k values must be >= 1, got {k}", nameof(kValues));
        if (kValues.Distinct().Count() != kValues.Count)
            throw new ArgumentException("k values must be distinct", nameof(kValues));
        return kValues.ToArray();
    }
}
