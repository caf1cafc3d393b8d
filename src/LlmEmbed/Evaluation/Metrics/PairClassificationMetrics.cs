namespace LlmEmbed.Evaluation.Metrics;

/// <summary>MTEB (v1.x) PairClassificationEvaluator metrics over paired embeddings with 0/1 labels.</summary>
public static class PairClassificationMetrics
{
    /// <summary>Scores each pair with cosine, dot, Manhattan and Euclidean and evaluates each.</summary>
    /// <param name="embeddings1">First embedding of each pair (n rows of equal length).</param>
    /// <param name="embeddings2">Second embedding of each pair (n rows, same length as in <paramref name="embeddings1"/>).</param>
    /// <param name="labels">1 = the pair is a positive (duplicate/paraphrase), 0 = not.</param>
    public static PairClassificationResult Compute(
        IReadOnlyList<double[]> embeddings1, IReadOnlyList<double[]> embeddings2, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(embeddings1);
        ArgumentNullException.ThrowIfNull(embeddings2);
        ArgumentNullException.ThrowIfNull(labels);
        int n = embeddings1.Count;
        if (n == 0)
            throw new ArgumentException("there must be at least one pair", nameof(embeddings1));
        if (embeddings2.Count != n)
            throw new ArgumentException($"embeddings1 has {n} rows but embeddings2 has {embeddings2.Count}", nameof(embeddings2));
        if (labels.Count != n)
            throw new ArgumentException($"there are {n} pairs but {labels.Count} labels", nameof(labels));

        var cosine = new double[n];
        var dot = new double[n];
        var manhattan = new double[n];
        var euclidean = new double[n];
        int dim = embeddings1[0]?.Length ?? throw new ArgumentException("embeddings1[0] is null", nameof(embeddings1));
        for (int i = 0; i < n; i++)
        {
            double[] a = embeddings1[i] ?? throw new ArgumentException($"embeddings1[{i}] is null", nameof(embeddings1));
            double[] b = embeddings2[i] ?? throw new ArgumentException($"embeddings2[{i}] is null", nameof(embeddings2));
            if (a.Length != dim || b.Length != dim)
                throw new ArgumentException(
                    $"pair {i} has dimensions {a.Length} and {b.Length}; all rows must have dimension {dim}", nameof(embeddings2));
            (cosine[i], dot[i], manhattan[i], euclidean[i]) = PairScores(a, b);
        }

        return FromPairScores(cosine, dot, manhattan, euclidean, labels);
    }

    /// <summary>
    /// The four evaluations from per-pair scores computed elsewhere (e.g. sparse lexical vectors): cosine and dot
    /// (higher = more similar) and the unnegated Manhattan and Euclidean distances.
    /// </summary>
    public static PairClassificationResult FromPairScores(double[] cosine, double[] dot, double[] manhattan, double[] euclidean, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(cosine);
        ArgumentNullException.ThrowIfNull(dot);
        ArgumentNullException.ThrowIfNull(manhattan);
        ArgumentNullException.ThrowIfNull(euclidean);
        ArgumentNullException.ThrowIfNull(labels);
        int n = cosine.Length;
        if (dot.Length != n || manhattan.Length != n || euclidean.Length != n || labels.Count != n)
            throw new ArgumentException($"score lists differ in length (cosine {n}, dot {dot.Length}, manhattan {manhattan.Length}, euclidean {euclidean.Length}, labels {labels.Count})", nameof(labels));
        int[] labelArray = labels.ToArray();
        return new PairClassificationResult(
            cosine, dot, manhattan, euclidean,
            FromScores(cosine, labelArray, higherIsMoreSimilar: true),
            FromScores(dot, labelArray, higherIsMoreSimilar: true),
            FromScores(manhattan, labelArray, higherIsMoreSimilar: false),
            FromScores(euclidean, labelArray, higherIsMoreSimilar: false));
    }

    /// <summary>Single-precision embeddings, widened to double before scoring.</summary>
    public static PairClassificationResult Compute(
        IReadOnlyList<float[]> embeddings1, IReadOnlyList<float[]> embeddings2, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(embeddings1);
        ArgumentNullException.ThrowIfNull(embeddings2);
        return Compute(Widen(embeddings1, nameof(embeddings1)), Widen(embeddings2, nameof(embeddings2)), labels);
    }

    /// <summary>
    /// Accuracy, F1 (with precision and recall) and AP of one list of pair scores, by MTEB's threshold scan.
    /// </summary>
    /// <remarks>
    /// Rows are sorted by score (descending when higher means more similar, ascending for distances; stable, so
    /// tied rows keep input order as Python's sort does). A cut is tried after each of rows 1..n-1, never after
    /// the last; the first strictly better accuracy or F1 wins (F1 only once a positive has been passed); the
    /// threshold is the midpoint of the two scores around the cut, and starts at -1 (accuracy) and 0 (F1) when no
    /// cut improves on 0. AP uses the negated scores for distances.
    /// </remarks>
    public static PairSimilarityMetrics FromScores(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, bool higherIsMoreSimilar)
    {
        int n = scores.Length;
        if (n == 0)
            throw new ArgumentException("scores must not be empty", nameof(scores));
        if (labels.Length != n)
            throw new ArgumentException($"scores has {n} entries but labels has {labels.Length}", nameof(labels));
        int totalPositives = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] is not (0 or 1))
                throw new ArgumentException($"labels must be 0 or 1, got {labels[i]} at index {i}", nameof(labels));
            if (double.IsNaN(scores[i]))
                throw new ArgumentException($"scores[{i}] is NaN", nameof(scores));
            totalPositives += labels[i];
        }

        double[] s = scores.ToArray();
        int[] order = Enumerable.Range(0, n).ToArray();
        var sorted = higherIsMoreSimilar
            ? order.OrderByDescending(i => s[i]).ToArray()
            : order.OrderBy(i => s[i]).ToArray();

        double bestAccuracy = 0, accuracyThreshold = -1;
        int positivesSoFar = 0, remainingNegatives = n - totalPositives;
        double bestF1 = 0, bestPrecision = 0, bestRecall = 0, f1Threshold = 0;
        int extracted = 0, correct = 0;
        for (int i = 0; i < n - 1; i++)
        {
            int label = labels[sorted[i]];
            double midpoint = (s[sorted[i]] + s[sorted[i + 1]]) / 2;

            if (label == 1) positivesSoFar++;
            else remainingNegatives--;
            double accuracy = (double)(positivesSoFar + remainingNegatives) / n;
            if (accuracy > bestAccuracy)
            {
                bestAccuracy = accuracy;
                accuracyThreshold = midpoint;
            }

            extracted++;
            if (label == 1) correct++;
            if (correct > 0)
            {
                double precision = (double)correct / extracted;
                double recall = (double)correct / totalPositives;
                double f1 = 2 * precision * recall / (precision + recall);
                if (f1 > bestF1)
                {
                    bestF1 = f1;
                    bestPrecision = precision;
                    bestRecall = recall;
                    f1Threshold = midpoint;
                }
            }
        }

        double[] apScores = higherIsMoreSimilar ? s : s.Select(x => -x).ToArray();
        double ap = AveragePrecision.Compute(labels, apScores);
        return new PairSimilarityMetrics(bestAccuracy, accuracyThreshold, bestF1, f1Threshold, bestPrecision, bestRecall, ap);
    }

    private static (double Cosine, double Dot, double Manhattan, double Euclidean) PairScores(double[] a, double[] b) => PairDistances.Compute(a, b);

    private static double[][] Widen(IReadOnlyList<float[]> rows, string name)
    {
        var result = new double[rows.Count][];
        for (int i = 0; i < rows.Count; i++)
        {
            float[] row = rows[i] ?? throw new ArgumentException($"{name}[{i}] is null", name);
            result[i] = Array.ConvertAll(row, x => (double)x);
        }
        return result;
    }
}
