using LlmEmbed.Search;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Mines a hard negative for each (query, positive): the model's own cosine search of the query over a corpus,
/// then one candidate drawn (seeded) from the ranks <see cref="Ranks"/> among the candidates that are neither the
/// positive's text nor the query's text (exact, ordinal comparison, so duplicates of the positive in the corpus are
/// never chosen). Model-agnostic: it only needs functions that embed lists of texts.
/// </summary>
public sealed class HardNegativeMiner
{
    private readonly Func<IReadOnlyList<string>, float[][]> encodeQueries;
    private readonly Func<IReadOnlyList<string>, float[][]> encodeDocuments;

    /// <param name="encodeQueries">Embeds query texts (with whatever instruction the model uses), one row per text.</param>
    /// <param name="encodeDocuments">Embeds corpus texts.</param>
    /// <param name="ranks">1-based rank window to draw from, after removing the positive and its duplicates.</param>
    /// <param name="seed">Fixes which candidate of the window each row gets.</param>
    /// <param name="pickFirst">Take the best-ranked eligible candidate in the window instead of a random one.</param>
    public HardNegativeMiner(Func<IReadOnlyList<string>, float[][]> encodeQueries, Func<IReadOnlyList<string>, float[][]> encodeDocuments,
        RankRange ranks, long seed = 42, bool pickFirst = false)
    {
        ranks.Validate();
        this.encodeQueries = encodeQueries;
        this.encodeDocuments = encodeDocuments;
        Ranks = ranks;
        Seed = seed;
        PickFirst = pickFirst;
    }

    public RankRange Ranks { get; }
    public long Seed { get; }
    public bool PickFirst { get; }

    /// <summary>The default corpus: every distinct positive and negative text of the rows, in first-seen order.</summary>
    public static IReadOnlyList<string> CorpusOf(IEnumerable<ContrastiveExample> rows)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var corpus = new List<string>();
        foreach (var r in rows)
        {
            if (seen.Add(r.Positive)) corpus.Add(r.Positive);
            if (r.Negative != null && seen.Add(r.Negative)) corpus.Add(r.Negative);
        }
        return corpus;
    }

    public HardNegativeMiningResult Mine(IReadOnlyList<ContrastiveExample> rows, IReadOnlyList<string> corpus, IProgress<string>? progress = null)
    {
        if (corpus.Count == 0) throw new ArgumentException("the mining corpus is empty", nameof(corpus));
        progress?.Report($"embedding {corpus.Count} corpus texts");
        var corpusEmbeddings = Check(encodeDocuments(corpus), corpus.Count, "document");
        progress?.Report($"embedding {rows.Count} queries");
        var queryEmbeddings = Check(encodeQueries(rows.Select(r => r.Query).ToList()), rows.Count, "query");

        // Removing the positive's duplicates and the query can push the window down by at most that many places,
        // so search deep enough that the window is still complete after filtering.
        var corpusCount = corpus.GroupBy(c => c, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int maxExcluded = rows.Count == 0 ? 0 : rows.Max(r => corpusCount.GetValueOrDefault(r.Positive) + corpusCount.GetValueOrDefault(r.Query));
        int depth = (int)Math.Min(corpus.Count, (long)Ranks.To + maxExcluded);
        var hits = ExactSearch.Search(queryEmbeddings, corpusEmbeddings, depth, SearchSimilarity.Cosine);

        var output = new ContrastiveExample[rows.Count];
        int mined = 0, none = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            // Ties in score have no defined order in top-k; sort them by corpus index so mining is reproducible.
            var eligible = hits[i].OrderByDescending(h => h.Score).ThenBy(h => h.Index)
                .Where(h => !string.Equals(corpus[h.Index], row.Positive, StringComparison.Ordinal) && !string.Equals(corpus[h.Index], row.Query, StringComparison.Ordinal))
                .Skip(Ranks.From - 1).Take(Ranks.To - Ranks.From + 1).ToList();
            if (eligible.Count == 0)
            {
                output[i] = row;
                none++;
                continue;
            }
            int pick = PickFirst ? 0 : new Random(unchecked((int)ContrastiveDataMixture.Mix(Seed, i + 1, 7))).Next(eligible.Count);
            output[i] = row with { Negative = corpus[eligible[pick].Index] };
            mined++;
        }
        return new HardNegativeMiningResult(output, mined, none);
    }

    private static float[][] Check(float[][] embeddings, int expected, string what)
    {
        if (embeddings.Length != expected) throw new InvalidOperationException($"the {what} encoder returned {embeddings.Length} embeddings for {expected} texts");
        return embeddings;
    }
}
