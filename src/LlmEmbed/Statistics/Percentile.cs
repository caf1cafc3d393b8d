namespace LlmEmbed.Statistics;

/// <summary>Order-statistic percentiles.</summary>
public static class Percentile
{
    /// <summary>
    /// <c>numpy.percentile(values, q)</c> with the default linear method (Hyndman–Fan type 7): position h = (n - 1)·q/100
    /// in the sorted values, interpolated between its neighbours.
    /// </summary>
    public static double Linear(ReadOnlySpan<double> values, double q)
    {
        if (values.Length == 0) throw new ArgumentException("Percentile of an empty sample is undefined.", nameof(values));
        if (!(q >= 0 && q <= 100)) throw new ArgumentOutOfRangeException(nameof(q), q, "q must be in [0, 100]");
        var sorted = values.ToArray();
        foreach (double v in sorted)
            if (double.IsNaN(v)) throw new ArgumentException("Percentile input contains NaN.", nameof(values));
        Array.Sort(sorted);
        double h = (sorted.Length - 1) * (q / 100.0);
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        double frac = h - lo;
        // NumPy's lerp form: exact at both ends and monotone.
        double below = sorted[lo], above = sorted[hi];
        double diff = above - below;
        return frac >= 0.5 ? above - diff * (1 - frac) : below + diff * frac;
    }
}
