using LlmEmbed.Statistics;

namespace LlmEmbed.Evaluation.Metrics;

/// <summary>MTEB (v1.x) STSEvaluator over paired embeddings and gold similarity scores.</summary>
public static class StsMetrics
{
    /// <summary>
    /// Cosine similarity (1 - scikit-learn's paired cosine distance), negated Manhattan and negated Euclidean
    /// distances per pair, each correlated with the gold scores (Pearson and Spearman).
    /// </summary>
    /// <remarks>MTEB rescales gold scores to [0, 1] first; correlations are invariant to that, so it is skipped.</remarks>
    public static StsScores Compute(IReadOnlyList<double[]> embeddings1, IReadOnlyList<double[]> embeddings2, IReadOnlyList<double> goldScores)
    {
        ArgumentNullException.ThrowIfNull(embeddings1);
        ArgumentNullException.ThrowIfNull(embeddings2);
        ArgumentNullException.ThrowIfNull(goldScores);
        int n = embeddings1.Count;
        if (embeddings2.Count != n)
            throw new ArgumentException($"embeddings1 has {n} rows but embeddings2 has {embeddings2.Count}", nameof(embeddings2));
        if (goldScores.Count != n)
            throw new ArgumentException($"there are {n} pairs but {goldScores.Count} gold scores", nameof(goldScores));
        if (n < 2)
            throw new ArgumentException($"STS needs at least 2 pairs, got {n}", nameof(embeddings1));
        var cosine = new double[n];
        var manhattan = new double[n];
        var euclidean = new double[n];
        for (int i = 0; i < n; i++)
        {
            double[] a = embeddings1[i] ?? throw new ArgumentException($"embeddings1[{i}] is null", nameof(embeddings1));
            double[] b = embeddings2[i] ?? throw new ArgumentException($"embeddings2[{i}] is null", nameof(embeddings2));
            if (a.Length != b.Length || a.Length != embeddings1[0].Length)
                throw new ArgumentException($"pair {i} has dimensions {a.Length} and {b.Length}; expected {embeddings1[0].Length}", nameof(embeddings2));
            (cosine[i], manhattan[i], euclidean[i]) = PairScores(a, b);
            // A NaN or infinite coordinate makes the Manhattan distance non-finite; name the pair rather than let the
            // correlation reject an anonymous index.
            if (!double.IsFinite(manhattan[i]))
                throw new ArgumentException($"pair {i} has a non-finite embedding value", nameof(embeddings1));
        }
        return FromScores(cosine, manhattan, euclidean, goldScores);
    }

    /// <summary>
    /// The STS correlations from per-pair similarities computed elsewhere (e.g. sparse lexical vectors): cosine and
    /// the NEGATED Manhattan and Euclidean distances, so that higher means more similar.
    /// </summary>
    public static StsScores FromScores(double[] cosine, double[] manhattan, double[] euclidean, IReadOnlyList<double> goldScores)
    {
        ArgumentNullException.ThrowIfNull(cosine);
        ArgumentNullException.ThrowIfNull(manhattan);
        ArgumentNullException.ThrowIfNull(euclidean);
        ArgumentNullException.ThrowIfNull(goldScores);
        int n = cosine.Length;
        if (manhattan.Length != n || euclidean.Length != n || goldScores.Count != n)
            throw new ArgumentException($"score lists differ in length (cosine {n}, manhattan {manhattan.Length}, euclidean {euclidean.Length}, gold {goldScores.Count})", nameof(goldScores));
        if (n < 2)
            throw new ArgumentException($"STS needs at least 2 pairs, got {n}", nameof(cosine));
        double[] gold = goldScores.ToArray();
        for (int i = 0; i < n; i++)
            if (!double.IsFinite(gold[i]))
                throw new ArgumentException($"gold score {i} is not finite ({gold[i]})", nameof(goldScores));
        return new StsScores(
            cosine, manhattan, euclidean,
            Correlation.Pearson(gold, cosine).Coefficient, Correlation.Spearman(gold, cosine).Coefficient,
            Correlation.Pearson(gold, manhattan).Coefficient, Correlation.Spearman(gold, manhattan).Coefficient,
            Correlation.Pearson(gold, euclidean).Coefficient, Correlation.Spearman(gold, euclidean).Coefficient);
    }

    /// <summary>Single-precision embeddings, widened to double.</summary>
    public static StsScores Compute(IReadOnlyList<float[]> embeddings1, IReadOnlyList<float[]> embeddings2, IReadOnlyList<double> goldScores) =>
        Compute(Widen(embeddings1), Widen(embeddings2), goldScores);

    internal static double[][] Widen(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new double[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
            result[i] = Array.ConvertAll(rows[i] ?? throw new ArgumentException($"row {i} is null", nameof(rows)), x => (double)x);
        return result;
    }

    // Similarities: cosine, and negated distances so that higher means more similar.
    private static (double Cosine, double Manhattan, double Euclidean) PairScores(double[] a, double[] b)
    {
        var (cosine, _, manhattan, euclidean) = PairDistances.Compute(a, b);
        return (cosine, -manhattan, -euclidean);
    }
}
