using LlmEmbed.Evaluation.Lexical;
using LlmEmbed.Statistics;

namespace LlmEmbed.Experiments;

/// <summary>
/// Compares arms (designs) per task category: for every arm pair a two-sided Wilcoxon signed-rank test (zero_method
/// wilcox, SciPy's auto method) paired over the category's datasets — over (dataset, seed) when seeds exist —, Holm
/// adjustment across the pairs of a category, mean difference and rank-biserial effect size.
/// </summary>
public static class DesignComparison
{
    /// <summary>Minimum number of non-zero paired differences for a test; fewer gives "n/a".</summary>
    public const int MinimumUsablePairs = 2;

    /// <param name="scores">One score per (arm, task, seed); duplicates are rejected.</param>
    /// <param name="alpha">Significance level for the Holm-adjusted p-values.</param>
    /// <param name="autoRule">SciPy version whose <c>method='auto'</c> rule the Wilcoxon test follows (default 1.10.1,
    /// the study's reference; <see cref="WilcoxonAutoRule.Scipy1_15"/> handles tied differences more soundly).</param>
    public static DesignComparisonResult Analyze(IReadOnlyList<ArmTaskScore> scores, double alpha = 0.05, WilcoxonAutoRule autoRule = WilcoxonAutoRule.Scipy1_10)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1)");

        var seen = new HashSet<(string, string, long?)>();
        var taskCategory = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in scores)
        {
            if (string.IsNullOrWhiteSpace(s.Arm) || string.IsNullOrWhiteSpace(s.Task) || string.IsNullOrWhiteSpace(s.Category))
                throw new ArgumentException($"Score {s} has an empty arm, task or category.", nameof(scores));
            if (!double.IsFinite(s.MainScore))
                throw new ArgumentException($"Score of arm '{s.Arm}' on task '{s.Task}' is {s.MainScore}; scores must be finite.", nameof(scores));
            if (!seen.Add((s.Arm, s.Task, s.Seed)))
                throw new ArgumentException($"Arm '{s.Arm}' has two scores for task '{s.Task}'{SeedText(s.Seed)}.", nameof(scores));
            if (taskCategory.TryGetValue(s.Task, out var category) && category != s.Category)
                throw new ArgumentException($"Task '{s.Task}' is listed under categories '{category}' and '{s.Category}'.", nameof(scores));
            taskCategory[s.Task] = s.Category;
        }

        // Lexical reference arms (reserved names) are the floor: shown beside the designs, never in their tests.
        var references = scores.Where(s => LexicalReferences.IsReferenceName(s.Arm)).ToList();
        var designs = scores.Where(s => !LexicalReferences.IsReferenceName(s.Arm)).ToList();
        var arms = designs.Select(s => s.Arm).Distinct().Order(StringComparer.Ordinal).ToList();
        var categories = new List<CategoryComparison>();
        foreach (var group in designs.GroupBy(s => s.Category)
                     .OrderBy(g => TaskCategories.OrderKey(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var category = AnalyzeCategory(group.Key, group.ToList(), alpha, autoRule);
            categories.Add(category with { ReferenceMeans = ReferenceMeans(category.Tasks, references.Where(r => r.Category == group.Key)) });
        }
        var referenceNames = references.Select(s => s.Arm).Distinct().OrderBy(n => LexicalReferences.Parse(n)).ToList();
        return new DesignComparisonResult(alpha, arms, categories) { References = referenceNames };
    }

    // A reference's mean over the category's datasets, only when it scored all of them (otherwise the means are not comparable).
    private static IReadOnlyDictionary<string, double> ReferenceMeans(IReadOnlyList<string> tasks, IEnumerable<ArmTaskScore> references)
    {
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var group in references.GroupBy(r => r.Arm))
        {
            var perTask = group.GroupBy(r => r.Task).ToDictionary(g => g.Key, g => g.Average(r => r.MainScore), StringComparer.Ordinal);
            if (tasks.All(perTask.ContainsKey)) means[group.Key] = tasks.Average(t => perTask[t]);
        }
        return means;
    }

    private static CategoryComparison AnalyzeCategory(string category, List<ArmTaskScore> scores, double alpha, WilcoxonAutoRule autoRule)
    {
        var arms = scores.Select(s => s.Arm).Distinct().Order(StringComparer.Ordinal).ToList();
        var tasks = scores.Select(s => s.Task).Distinct().Order(StringComparer.Ordinal).ToList();
        var byArm = scores.GroupBy(s => s.Arm).ToDictionary(g => g.Key, g => g.ToDictionary(s => (s.Task, s.Seed), s => s.MainScore));

        var mean = new Dictionary<string, double>();
        var datasetCount = new Dictionary<string, int>();
        foreach (string arm in arms)
        {
            // Datasets weigh equally whatever their number of seeds.
            var perTask = byArm[arm].GroupBy(kv => kv.Key.Task).Select(g => g.Average(kv => kv.Value)).ToList();
            mean[arm] = perTask.Average();
            datasetCount[arm] = perTask.Count;
        }
        string best = arms.Aggregate((bestSoFar, arm) => mean[arm] > mean[bestSoFar] ? arm : bestSoFar);

        var raw = new List<PairwiseComparison>();
        for (int i = 0; i < arms.Count; i++)
            for (int j = i + 1; j < arms.Count; j++)
                raw.Add(Compare(category, arms[i], arms[j], byArm[arms[i]], byArm[arms[j]], autoRule));

        // Holm over the pairs that have a p-value.
        var tested = raw.Select((p, index) => (p, index)).Where(t => t.p.Wilcoxon != null).ToList();
        var adjusted = tested.Count == 0 ? [] : PValueAdjustment.Holm(tested.Select(t => t.p.Wilcoxon!.PValue).ToArray());
        var pairs = raw.ToArray();
        for (int k = 0; k < tested.Count; k++)
        {
            var (p, index) = tested[k];
            pairs[index] = p with { AdjustedPValue = adjusted[k], Significant = adjusted[k] <= alpha };
        }
        return new CategoryComparison(category, arms, tasks, mean, datasetCount, pairs, best);
    }

    private static PairwiseComparison Compare(string category, string armA, string armB,
        Dictionary<(string Task, long? Seed), double> a, Dictionary<(string Task, long? Seed), double> b, WilcoxonAutoRule autoRule)
    {
        var keys = a.Keys.Where(b.ContainsKey).OrderBy(k => k.Task, StringComparer.Ordinal).ThenBy(k => k.Seed).ToList();
        var x = keys.Select(k => a[k]).ToArray();
        var y = keys.Select(k => b[k]).ToArray();
        int nonZero = 0;
        for (int i = 0; i < x.Length; i++) if (x[i] - y[i] != 0) nonZero++;

        if (keys.Count == 0)
            return new PairwiseComparison(category, armA, armB, 0, 0, double.NaN, double.NaN, null, null, false,
                "no dataset scored for both arms");
        double meanDiff = x.Zip(y, (p, q) => p - q).Average();
        double effect = RankBiserial.MatchedPairs(x, y);
        if (nonZero < MinimumUsablePairs)
            return new PairwiseComparison(category, armA, armB, keys.Count, nonZero, meanDiff, effect, null, null, false,
                $"fewer than {MinimumUsablePairs} paired datasets with a non-zero difference ({nonZero} of {keys.Count})");

        var test = WilcoxonSignedRank.Test(x, y, TestAlternative.TwoSided, WilcoxonZeroMethod.Wilcox, correction: false, WilcoxonMethod.Auto, autoRule);
        return new PairwiseComparison(category, armA, armB, keys.Count, nonZero, meanDiff, effect, test, null, false, null);
    }

    private static string SeedText(long? seed) => seed is { } s ? $" with seed {s}" : "";
}
