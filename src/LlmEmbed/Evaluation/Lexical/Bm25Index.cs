namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// Okapi BM25 over a document collection (Lucene/Anserini form): idf = ln(1 + (N − df + 0.5) / (df + 0.5)), term
/// weight idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl)), summed over the query's terms (each distinct
/// query term once). Terms are the maximal runs of word characters of the lowercased text (<c>\w+</c>, one-character
/// tokens included; no stemming, no stop words) — the convention that reproduces the SciFact figure.
/// </summary>
public sealed class Bm25Index
{
    /// <summary>Anserini's defaults (also the reference setting).</summary>
    public const double DefaultK1 = 0.9, DefaultB = 0.4;

    private readonly Dictionary<string, List<(int Document, int Count)>> _postings;
    private readonly int[] _lengths;
    private readonly double _averageLength;

    public Bm25Index(IReadOnlyList<string> documents, double k1 = DefaultK1, double b = DefaultB)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (!(k1 >= 0) || !double.IsFinite(k1)) throw new ArgumentOutOfRangeException(nameof(k1), k1, "k1 must be finite and >= 0");
        if (!(b >= 0 && b <= 1)) throw new ArgumentOutOfRangeException(nameof(b), b, "b must be in [0, 1]");
        K1 = k1;
        B = b;
        _postings = new Dictionary<string, List<(int, int)>>(StringComparer.Ordinal);
        _lengths = new int[documents.Count];
        long total = 0;
        for (int d = 0; d < documents.Count; d++)
        {
            var terms = Analyze(documents[d] ?? throw new ArgumentException($"document {d} is null", nameof(documents)));
            _lengths[d] = terms.Count;
            total += terms.Count;
            foreach (var group in terms.GroupBy(t => t, StringComparer.Ordinal))
            {
                if (!_postings.TryGetValue(group.Key, out var list)) _postings[group.Key] = list = [];
                list.Add((d, group.Count()));
            }
        }
        _averageLength = documents.Count == 0 ? 0 : (double)total / documents.Count;
    }

    public double K1 { get; }
    public double B { get; }
    public int DocumentCount => _lengths.Length;

    /// <summary>The BM25 score of every document for <paramref name="query"/> (0 for documents sharing no term).</summary>
    public double[] Score(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scores = new double[_lengths.Length];
        int n = _lengths.Length;
        foreach (string term in Analyze(query).Distinct(StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(term, out var postings)) continue;
            double idf = Math.Log(1 + (n - postings.Count + 0.5) / (postings.Count + 0.5));
            foreach (var (document, count) in postings)
            {
                double norm = K1 * (1 - B + B * _lengths[document] / _averageLength);
                scores[document] += idf * count * (K1 + 1) / (count + norm);
            }
        }
        return scores;
    }

    private static List<string> Analyze(string text) => TextAnalysis.WordCharacterRuns(text.ToLowerInvariant());
}
