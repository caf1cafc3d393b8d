namespace LlmEmbed.Experiments;

/// <summary>
/// Seeds are repeated measurements of one (arm, dataset), not extra datasets: the across-dataset tests see one value
/// per (arm, dataset), the mean over its seeds, while tables that show seed spread use the per-seed scores.
/// </summary>
public static class SeedMeans
{
    /// <summary>One score per (arm, task): the mean of its per-seed scores (Seed null), in first-seen order.</summary>
    public static IReadOnlyList<ArmTaskScore> Of(IReadOnlyList<ArmTaskScore> perSeedScores)
    {
        ArgumentNullException.ThrowIfNull(perSeedScores);
        return perSeedScores
            .GroupBy(s => (s.Arm, s.Task))
            .Select(g =>
            {
                var categories = g.Select(s => s.Category).Distinct().ToList();
                if (categories.Count > 1)
                    throw new ArgumentException($"Arm '{g.Key.Arm}' has task '{g.Key.Task}' under categories {string.Join(", ", categories)}.", nameof(perSeedScores));
                var seeds = g.Select(s => s.Seed).ToList();
                if (seeds.Distinct().Count() != seeds.Count)
                    throw new ArgumentException($"Arm '{g.Key.Arm}' has two scores for task '{g.Key.Task}' with the same seed.", nameof(perSeedScores));
                return new ArmTaskScore(g.Key.Arm, g.Key.Task, categories[0], g.Average(s => s.MainScore));
            })
            .ToList();
    }
}
