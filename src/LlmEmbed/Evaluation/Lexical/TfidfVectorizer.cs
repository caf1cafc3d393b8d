namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// TF-IDF fitted on a set of texts (scikit-learn's <c>TfidfVectorizer</c>: document frequency over the fitted texts,
/// smooth idf, optional sublinear tf, L2 normalisation). Terms unseen at fit time are ignored when transforming.
/// </summary>
public sealed class TfidfVectorizer
{
    private readonly Dictionary<string, int> _vocabulary;
    private readonly double[] _idf;

    private TfidfVectorizer(TfidfOptions options, Dictionary<string, int> vocabulary, double[] idf)
    {
        Options = options;
        _vocabulary = vocabulary;
        _idf = idf;
    }

    public TfidfOptions Options { get; }
    public int VocabularySize => _idf.Length;
    public int DocumentCount { get; private init; }

    /// <summary>Learns the vocabulary and idf from <paramref name="texts"/> (every entry counts, repeats included, as scikit-learn's fit).</summary>
    public static TfidfVectorizer Fit(IEnumerable<string> texts, TfidfOptions options)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(options);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var documentFrequency = new List<int>();
        int documents = 0;
        foreach (string text in texts)
        {
            documents++;
            var seen = new HashSet<int>();
            foreach (string term in TextAnalysis.Terms(text ?? throw new ArgumentException($"text {documents - 1} is null", nameof(texts)), options.Analyzer, options.MinN, options.MaxN))
            {
                if (!vocabulary.TryGetValue(term, out int id))
                {
                    id = vocabulary.Count;
                    vocabulary[term] = id;
                    documentFrequency.Add(0);
                }
                if (seen.Add(id)) documentFrequency[id]++;
            }
        }
        var idf = new double[documentFrequency.Count];
        for (int t = 0; t < idf.Length; t++) idf[t] = Math.Log((1.0 + documents) / (1.0 + documentFrequency[t])) + 1.0;
        return new TfidfVectorizer(options, vocabulary, idf) { DocumentCount = documents };
    }

    /// <summary>The L2-normalised TF-IDF vector of <paramref name="text"/> (empty when it has no known term).</summary>
    public SparseVector Transform(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new Dictionary<int, int>();
        foreach (string term in TextAnalysis.Terms(text, Options.Analyzer, Options.MinN, Options.MaxN))
            if (_vocabulary.TryGetValue(term, out int id)) counts[id] = counts.GetValueOrDefault(id) + 1;
        if (counts.Count == 0) return SparseVector.Empty;
        int[] indices = counts.Keys.Order().ToArray();
        var values = new double[indices.Length];
        double squared = 0;
        for (int k = 0; k < indices.Length; k++)
        {
            int count = counts[indices[k]];
            double tf = Options.SublinearTf ? 1.0 + Math.Log(count) : count;
            values[k] = tf * _idf[indices[k]];
            squared += values[k] * values[k];
        }
        double norm = Math.Sqrt(squared);
        for (int k = 0; k < values.Length; k++) values[k] /= norm;
        return new SparseVector(indices, values);
    }

    public SparseVector[] Transform(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new SparseVector[texts.Count];
        for (int i = 0; i < result.Length; i++) result[i] = Transform(texts[i]);
        return result;
    }
}
