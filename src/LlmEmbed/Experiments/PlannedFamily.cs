using LlmEmbed.Statistics;

namespace LlmEmbed.Experiments;

/// <summary>
/// The study's planned comparisons (its hypotheses), tested as one family per category with Holm within it, so that
/// the exploratory all-pairs table does not dilute them: bidirectional vs causal for each trainable pooler, each
/// trainable pooler vs EOS (causal), and multi-layer vs last-layer for each attention mode.
/// </summary>
public static class PlannedFamily
{
    public static IReadOnlyList<PlannedHypothesis> StudyHypotheses { get; } =
    [
        new("latent-bidirectional", "latent-causal", "bidirectional vs causal, last-layer trainable pooling"),
        new("multilayer-bidirectional", "multilayer-causal", "bidirectional vs causal, multi-layer trainable pooling"),
        new("latent-causal", "eos-causal", "last-layer trainable pooling vs EOS (causal)"),
        new("multilayer-causal", "eos-causal", "multi-layer trainable pooling vs EOS (causal)"),
        new("multilayer-causal", "latent-causal", "multi-layer vs last-layer pooling, causal"),
        new("multilayer-bidirectional", "latent-bidirectional", "multi-layer vs last-layer pooling, bidirectional"),
    ];

    /// <summary>
    /// The hypotheses whose two arms are both in <paramref name="category"/>, with their raw Wilcoxon p-values (from the
    /// category's pairs) Holm-adjusted within this family; hypotheses without a test keep a null adjusted p.
    /// </summary>
    public static IReadOnlyList<(PlannedHypothesis Hypothesis, PairwiseComparison Comparison)> Analyze(CategoryComparison category, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(category);
        var present = StudyHypotheses
            .Select(h => (Hypothesis: h, Comparison: category.Pair(h.ArmA, h.ArmB)))
            .Where(x => x.Comparison != null)
            .Select(x => (x.Hypothesis, Comparison: x.Comparison! with { AdjustedPValue = null, Significant = false }))
            .ToList();
        var tested = present.Select((x, i) => (x, i)).Where(t => t.x.Comparison.PValue != null).ToList();
        if (tested.Count == 0) return present;
        var adjusted = PValueAdjustment.Holm(tested.Select(t => t.x.Comparison.PValue!.Value).ToArray());
        for (int k = 0; k < tested.Count; k++)
        {
            var (x, i) = tested[k];
            present[i] = (x.Hypothesis, x.Comparison with { AdjustedPValue = adjusted[k], Significant = adjusted[k] <= alpha });
        }
        return present;
    }

    /// <summary>
    /// The smallest two-sided p-value an exact paired test over n datasets can give (Wilcoxon signed-rank or sign
    /// flip: all n differences of one sign), 2 / 2ⁿ, capped at 1: with n ≤ 5 no difference reaches p &lt; 0.05 even
    /// before any multiplicity correction.
    /// </summary>
    public static double SmallestReachableP(int datasets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(datasets);
        return Math.Min(1.0, 2.0 / Math.Pow(2, datasets));
    }
}
