namespace LlmEmbed.Statistics;

/// <summary>
/// Paired bootstrap of the difference of any statistic computed over the same items for two systems (e.g. the
/// Spearman correlation of an STS set, the max AP of a pair-classification set): resample item indices with
/// replacement, recompute both statistics on the same resample, and take percentiles of the differences. The p-value
/// is the two-sided percentile-bootstrap one, min(1, 2 · min(P*(Δ ≤ 0), P*(Δ ≥ 0))).
/// </summary>
public static class PairedStatisticBootstrap
{
    /// <param name="items">Number of paired items (the same item order for both systems).</param>
    /// <param name="statisticA">System A's statistic over a list of item indices (repeats allowed).</param>
    /// <param name="statisticB">System B's statistic over the same indices.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="confidenceLevel">E.g. 0.95.</param>
    /// <param name="seed">Seed of System.Random; the index draws are those of <see cref="PairedBootstrap.ConfidenceInterval"/> for the same seed.</param>
    public static PairedStatisticBootstrapResult Test(int items, Func<IReadOnlyList<int>, double> statisticA, Func<IReadOnlyList<int>, double> statisticB,
        int resamples = 2000, double confidenceLevel = 0.95, int seed = 12345)
    {
        ArgumentNullException.ThrowIfNull(statisticA);
        ArgumentNullException.ThrowIfNull(statisticB);
        if (items < 1) throw new ArgumentOutOfRangeException(nameof(items), items, "the bootstrap needs at least one item");
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "resamples must be positive");
        if (!(confidenceLevel > 0 && confidenceLevel < 1))
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "confidence level must be in (0, 1)");
        var all = Enumerable.Range(0, items).ToArray();
        double observed = statisticA(all) - statisticB(all);
        var rng = new Random(seed);
        var differences = new double[resamples];
        var row = new int[items];
        int atMostZero = 0, atLeastZero = 0;
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < items; i++) row[i] = rng.Next(items);
            double d = statisticA(row) - statisticB(row);
            if (!double.IsFinite(d)) throw new InvalidOperationException($"resample {r}: the statistic difference is {d} (a degenerate resample, e.g. constant values)");
            differences[r] = d;
            if (d <= 0) atMostZero++;
            if (d >= 0) atLeastZero++;
        }
        double tail = (1 - confidenceLevel) / 2 * 100;
        double p = Math.Min(1.0, 2.0 * Math.Min(atMostZero, atLeastZero) / resamples);
        return new PairedStatisticBootstrapResult(observed, Percentile.Linear(differences, tail), Percentile.Linear(differences, 100 - tail), p, resamples);
    }
}
