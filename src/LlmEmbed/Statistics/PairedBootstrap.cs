namespace LlmEmbed.Statistics;

/// <summary>
/// Paired bootstrap of the mean difference mean(a - b): resample example indices with replacement (the same index
/// for both systems, so the pairing is kept) and take percentiles of the resampled means.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>Draws <paramref name="resamples"/> index rows with a seeded generator and computes the interval.</summary>
    public static PairedBootstrapResult ConfidenceInterval(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int resamples = 10_000, double confidenceLevel = 0.95, int seed = 12345)
    {
        Validate(a, b);
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "resamples must be positive");
        int n = a.Length;
        var rng = new Random(seed);
        var rows = new int[resamples][];
        for (int r = 0; r < resamples; r++)
        {
            var row = new int[n];
            for (int i = 0; i < n; i++) row[i] = rng.Next(n);
            rows[r] = row;
        }
        return FromIndices(a, b, rows, confidenceLevel);
    }

    /// <summary>The interval from given resamples: row r lists the n example indices of resample r.</summary>
    public static PairedBootstrapResult FromIndices(ReadOnlySpan<double> a, ReadOnlySpan<double> b, IReadOnlyList<IReadOnlyList<int>> resampleIndices, double confidenceLevel = 0.95)
    {
        Validate(a, b);
        if (resampleIndices.Count == 0) throw new ArgumentException("At least one resample is needed.", nameof(resampleIndices));
        if (!(confidenceLevel > 0 && confidenceLevel < 1))
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), confidenceLevel, "confidence level must be in (0, 1)");
        int n = a.Length;
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = a[i] - b[i];

        var means = new double[resampleIndices.Count];
        for (int r = 0; r < means.Length; r++)
        {
            var row = resampleIndices[r];
            if (row.Count == 0) throw new ArgumentException($"Resample {r} is empty.", nameof(resampleIndices));
            double s = 0;
            for (int k = 0; k < row.Count; k++)
            {
                int i = row[k];
                if ((uint)i >= (uint)n)
                    throw new ArgumentException($"Resample {r} position {k} has index {i}, outside 0..{n - 1}.", nameof(resampleIndices));
                s += d[i];
            }
            means[r] = s / row.Count;
        }

        double tail = (1 - confidenceLevel) / 2 * 100;
        double lower = Percentile.Linear(means, tail);
        double upper = Percentile.Linear(means, 100 - tail);
        return new PairedBootstrapResult(d.Average(), means, confidenceLevel, lower, upper, SampleStandardDeviation(means));
    }

    private static double SampleStandardDeviation(double[] values)
    {
        if (values.Length < 2) return double.NaN;
        double mean = values.Average();
        double ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        return Math.Sqrt(ss / (values.Length - 1));
    }

    private static void Validate(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Paired samples must have the same length (a has {a.Length}, b has {b.Length}).", nameof(b));
        if (a.Length == 0) throw new ArgumentException("The bootstrap needs at least one pair; got none.", nameof(a));
        for (int i = 0; i < a.Length; i++)
            if (!double.IsFinite(a[i]) || !double.IsFinite(b[i]))
                throw new ArgumentException($"Pair {i} has a non-finite score (a = {a[i]}, b = {b[i]}).", nameof(a));
    }
}
