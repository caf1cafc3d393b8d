namespace LlmEmbed.Experiments;

/// <summary>All arms compared within one task category.</summary>
/// <param name="Category">The task category.</param>
/// <param name="Arms">Arms with at least one score in the category, in analysis order.</param>
/// <param name="Tasks">Datasets of the category (sorted).</param>
/// <param name="MeanScore">Per arm: mean over its datasets of the seed-averaged main score.</param>
/// <param name="DatasetCount">Per arm: number of datasets scored.</param>
/// <param name="Pairs">Every arm pair (i &lt; j in <paramref name="Arms"/> order).</param>
/// <param name="BestArm">Arm with the highest mean score (first in order on a tie).</param>
public sealed record CategoryComparison(
    string Category,
    IReadOnlyList<string> Arms,
    IReadOnlyList<string> Tasks,
    IReadOnlyDictionary<string, double> MeanScore,
    IReadOnlyDictionary<string, int> DatasetCount,
    IReadOnlyList<PairwiseComparison> Pairs,
    string BestArm)
{
    /// <summary>Mean main score of each lexical reference arm over the same datasets (references scoring all of them).</summary>
    public IReadOnlyDictionary<string, double> ReferenceMeans { get; init; } = new Dictionary<string, double>();

    /// <summary>The strongest reference (the floor) and its mean, or null without references.</summary>
    public (string Reference, double Mean)? Floor => ReferenceMeans.Count == 0
        ? null
        : ReferenceMeans.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).First();

    /// <summary>Designs whose mean does not exceed the floor (empty without references).</summary>
    public IReadOnlyList<string> DesignsAtOrBelowFloor => Floor is { } floor ? Arms.Where(a => MeanScore[a] <= floor.Mean).ToList() : [];

    /// <summary>The comparison of <paramref name="armA"/> against <paramref name="armB"/> (oriented A - B), or null.</summary>
    public PairwiseComparison? Pair(string armA, string armB)
    {
        foreach (var p in Pairs)
        {
            if (p.ArmA == armA && p.ArmB == armB) return p;
            if (p.ArmA == armB && p.ArmB == armA) return p.Reversed();
        }
        return null;
    }

    /// <summary>Significant comparisons, oriented winner first.</summary>
    public IEnumerable<PairwiseComparison> SignificantWins() =>
        Pairs.Where(p => p.Significant).Select(p => p.MeanDifference < 0 ? p.Reversed() : p);
}
