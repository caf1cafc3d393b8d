using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Statistics;

namespace LlmEmbed.Evaluation.Results;

/// <summary>
/// What a task's main score is computed from, one value per test item and column, so that a paired test over items
/// (a paired bootstrap of the main score over resampled items) can recompute the main score on any resample:
/// <list type="bullet">
/// <item><c>mean</c> — column <c>score</c>; the main score is its mean (retrieval: nDCG@10 per query; reranking: AP per
/// query; classification: the fraction of the 10 experiments that classify the item correctly, whose mean is the accuracy).</item>
/// <item><c>spearman</c> — columns <c>prediction</c> (cosine) and <c>gold</c>; STS's Spearman correlation, which is not
/// a mean over pairs, so resampling pairs and recomputing it is the honest per-item test.</item>
/// <item><c>max_ap</c> — columns <c>cosine</c>, <c>dot</c>, <c>manhattan</c>, <c>euclidean</c> (distances) and <c>label</c>;
/// pair classification's max AP over the four similarities.</item>
/// <item><c>v_measure</c> — columns <c>assignment</c> and <c>label</c> (label ids); clustering's V-measure with the
/// clustering held fixed (it measures the uncertainty of evaluating on these items, not k-means' randomness).</item>
/// </list>
/// </summary>
public sealed record ItemScores(string Statistic, IReadOnlyDictionary<string, double[]> Columns)
{
    public const string Mean = "mean", Spearman = "spearman", MaxAp = "max_ap", VMeasureStatistic = "v_measure";

    private static readonly Dictionary<string, string[]> RequiredColumns = new(StringComparer.Ordinal)
    {
        [Mean] = ["score"],
        [Spearman] = ["prediction", "gold"],
        [MaxAp] = ["cosine", "dot", "manhattan", "euclidean", "label"],
        [VMeasureStatistic] = ["assignment", "label"],
    };

    /// <summary>Number of items.</summary>
    public int Count => Columns.Values.First().Length;

    public static ItemScores FromMean(double[] scores) => Create(Mean, new() { ["score"] = scores });

    public static ItemScores FromPredictions(double[] prediction, double[] gold) => Create(Spearman, new() { ["prediction"] = prediction, ["gold"] = gold });

    public static ItemScores Create(string statistic, Dictionary<string, double[]> columns)
    {
        var scores = new ItemScores(statistic, columns);
        scores.Validate();
        return scores;
    }

    /// <summary>Checks the statistic name, the columns it needs, equal lengths and finite values.</summary>
    public void Validate()
    {
        if (!RequiredColumns.TryGetValue(Statistic, out var required))
            throw new ArgumentException($"unknown item statistic '{Statistic}' (expected {string.Join(", ", RequiredColumns.Keys)})");
        foreach (string column in required)
            if (!Columns.ContainsKey(column)) throw new ArgumentException($"item statistic '{Statistic}' needs column '{column}'");
        int n = Columns[required[0]].Length;
        if (n == 0) throw new ArgumentException("item scores need at least one item");
        foreach (var (name, values) in Columns)
        {
            if (values.Length != n) throw new ArgumentException($"item column '{name}' has {values.Length} values; '{required[0]}' has {n}");
            for (int i = 0; i < values.Length; i++)
                if (!double.IsFinite(values[i])) throw new ArgumentException($"item column '{name}' has a non-finite value at item {i}");
        }
    }

    /// <summary>
    /// Paired test of two models on the same items of one dataset: a paired bootstrap of the main-score difference
    /// (A − B) over resampled items. Refuses item sets that are not the same items (count, statistic, gold / labels).
    /// </summary>
    public static PairedStatisticBootstrapResult Compare(ItemScores a, ItemScores b, int resamples = 2000, int seed = 12345)
    {
        RequireSameItems(a, b);
        return PairedStatisticBootstrap.Test(a.Count, a.Evaluate, b.Evaluate, resamples, seed: seed);
    }

    /// <summary>
    /// Paired test of two models trained with several seeds, on the same items of one dataset: each model is
    /// represented by its mean main score over its seeds, as the across-dataset tests represent it, and a bootstrap
    /// resample of items is applied to every seed at once (the items are the same for all seeds), so the interval
    /// reflects the uncertainty of evaluating on these items for the seed-averaged difference; it does not include the
    /// seed-to-seed spread of training. With one seed per side this is <see cref="Compare(ItemScores, ItemScores, int, int)"/>.
    /// </summary>
    public static PairedStatisticBootstrapResult Compare(IReadOnlyList<ItemScores> a, IReadOnlyList<ItemScores> b, int resamples = 2000, int seed = 12345)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("each side needs item scores of at least one seed");
        var all = a.Concat(b).ToList();
        var first = all[0];
        foreach (var other in all.Skip(1)) RequireSameItems(first, other);
        double SeedMean(IReadOnlyList<ItemScores> seeds, IReadOnlyList<int> indices)
        {
            double sum = 0;
            foreach (var s in seeds) sum += s.Evaluate(indices);
            return sum / seeds.Count;
        }
        return PairedStatisticBootstrap.Test(first.Count, indices => SeedMean(a, indices), indices => SeedMean(b, indices), resamples, seed: seed);
    }

    private static void RequireSameItems(ItemScores a, ItemScores b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Validate();
        b.Validate();
        if (a.Statistic != b.Statistic) throw new ArgumentException($"item statistics differ ({a.Statistic} vs {b.Statistic})");
        if (a.Count != b.Count) throw new ArgumentException($"the item sets differ in size ({a.Count} vs {b.Count}); they are not the same items");
        foreach (string column in new[] { "gold", "label" })
            if (a.Columns.TryGetValue(column, out var x) && b.Columns.TryGetValue(column, out var y) && !x.AsSpan().SequenceEqual(y))
                throw new ArgumentException($"item column '{column}' differs between the two models; they are not the same items");
    }

    /// <summary>The main score over all items.</summary>
    public double Evaluate() => Evaluate(Enumerable.Range(0, Count).ToArray());

    /// <summary>The main score recomputed over the items <paramref name="indices"/> (repeats allowed: a bootstrap resample).</summary>
    public double Evaluate(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        double[] Pick(string column)
        {
            var source = Columns[column];
            var picked = new double[indices.Count];
            for (int i = 0; i < picked.Length; i++) picked[i] = source[indices[i]];
            return picked;
        }
        switch (Statistic)
        {
            case Mean:
                return Pick("score").Average();
            case Spearman:
                return Correlation.Spearman(Pick("gold"), Pick("prediction")).Coefficient;
            case MaxAp:
            {
                int[] labels = Array.ConvertAll(Pick("label"), v => (int)v);
                double best = double.NegativeInfinity;
                foreach (var (column, higherIsSimilar) in new[] { ("cosine", true), ("dot", true), ("manhattan", false), ("euclidean", false) })
                {
                    double[] s = Pick(column);
                    if (!higherIsSimilar) for (int i = 0; i < s.Length; i++) s[i] = -s[i];
                    best = Math.Max(best, AveragePrecision.Compute(labels, s));
                }
                return best;
            }
            case VMeasureStatistic:
            {
                var labels = Array.ConvertAll(Pick("label"), v => (int)v);
                var assignments = Array.ConvertAll(Pick("assignment"), v => (int)v);
                return VMeasure.Compute(labels, assignments).VMeasure;
            }
            default:
                throw new InvalidOperationException($"unknown item statistic '{Statistic}'");
        }
    }
}
