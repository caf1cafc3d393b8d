using LlmEmbed.Statistics;

namespace LlmEmbed.Experiments;

/// <summary>Arm A versus arm B within one task category, paired over (dataset, seed).</summary>
/// <param name="Category">The task category.</param>
/// <param name="ArmA">First arm (differences are A - B).</param>
/// <param name="ArmB">Second arm.</param>
/// <param name="PairedObservations">(dataset, seed) keys scored for both arms.</param>
/// <param name="NonZeroDifferences">Pairs whose score difference is not zero (what Wilcoxon's <c>wilcox</c> rule uses).</param>
/// <param name="MeanDifference">Mean of A - B over the pairs (NaN with no pairs).</param>
/// <param name="RankBiserial">Matched-pairs rank-biserial correlation, positive when A is better (NaN with no pairs).</param>
/// <param name="Wilcoxon">The two-sided signed-rank test; null when not applicable.</param>
/// <param name="AdjustedPValue">Holm-adjusted p-value within the category; null when not applicable.</param>
/// <param name="Significant">Adjusted p-value &lt;= alpha.</param>
/// <param name="NotApplicableReason">Why no test was run (too few usable pairs), else null.</param>
public sealed record PairwiseComparison(
    string Category,
    string ArmA,
    string ArmB,
    int PairedObservations,
    int NonZeroDifferences,
    double MeanDifference,
    double RankBiserial,
    WilcoxonResult? Wilcoxon,
    double? AdjustedPValue,
    bool Significant,
    string? NotApplicableReason)
{
    /// <summary>The raw two-sided Wilcoxon p-value, or null when not applicable.</summary>
    public double? PValue => Wilcoxon?.PValue;

    /// <summary>The better arm by mean difference (null on an exact tie or without pairs).</summary>
    public string? Leader => MeanDifference > 0 ? ArmA : MeanDifference < 0 ? ArmB : null;

    /// <summary>The same comparison seen from B's side (differences B - A).</summary>
    public PairwiseComparison Reversed() => this with
    {
        ArmA = ArmB,
        ArmB = ArmA,
        MeanDifference = -MeanDifference,
        RankBiserial = -RankBiserial,
    };
}
