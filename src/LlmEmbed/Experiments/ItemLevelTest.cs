using LlmEmbed.Statistics;

namespace LlmEmbed.Experiments;

/// <summary>
/// One per-dataset item-level test of a planned hypothesis: the paired bootstrap over the dataset's test items of the
/// main-score difference A − B (each arm at its mean over seeds), with the p-value Holm-adjusted over the datasets of
/// the hypothesis.
/// </summary>
/// <param name="Hypothesis">The planned hypothesis (arm A vs arm B).</param>
/// <param name="Category">The dataset's category.</param>
/// <param name="Task">The dataset.</param>
/// <param name="SeedsA">Seeds of arm A whose item scores were used.</param>
/// <param name="SeedsB">Seeds of arm B whose item scores were used.</param>
/// <param name="Items">Number of test items resampled.</param>
/// <param name="Bootstrap">The bootstrap result; null when the test was not possible (see <paramref name="NotApplicableReason"/>).</param>
/// <param name="AdjustedPValue">Holm-adjusted p over the hypothesis's tested datasets.</param>
/// <param name="Significant">Adjusted p ≤ alpha.</param>
/// <param name="NotApplicableReason">Why there is no test (no item scores, items that differ).</param>
public sealed record ItemLevelTest(
    PlannedHypothesis Hypothesis,
    string Category,
    string Task,
    int SeedsA,
    int SeedsB,
    int Items,
    PairedStatisticBootstrapResult? Bootstrap,
    double? AdjustedPValue = null,
    bool Significant = false,
    string? NotApplicableReason = null);
