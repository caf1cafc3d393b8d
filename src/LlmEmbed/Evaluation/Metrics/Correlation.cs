namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Pearson and Spearman correlation coefficients as <c>scipy.stats.pearsonr</c> / <c>spearmanr</c> compute them.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r. Both inputs are centred before any product (so values around 1e8 keep their precision), then
    /// r = &lt;x̃/|x̃|, ỹ/|ỹ|&gt; clipped to [-1, 1], as SciPy does. Constant input gives NaN.
    /// </summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Validate(x, y);
        int n = x.Length;
        double meanX = Mean(x), meanY = Mean(y);
        var dx = new double[n];
        var dy = new double[n];
        double normX = 0, normY = 0;
        for (int i = 0; i < n; i++)
        {
            dx[i] = x[i] - meanX;
            dy[i] = y[i] - meanY;
            normX += dx[i] * dx[i];
            normY += dy[i] * dy[i];
        }
        normX = Math.Sqrt(normX);
        normY = Math.Sqrt(normY);
        if (normX == 0 || normY == 0) return double.NaN;
        double r = 0;
        for (int i = 0; i < n; i++) r += (dx[i] / normX) * (dy[i] / normY);
        return Math.Clamp(r, -1.0, 1.0);
    }

    /// <summary>Spearman's rho: Pearson's r of the average ranks (ties share the mean of their ranks).</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Validate(x, y);
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>1-based ranks; equal values get the average of the ranks they span (<c>scipy.stats.rankdata</c> 'average').</summary>
    public static double[] AverageRanks(ReadOnlySpan<double> values)
    {
        int n = values.Length;
        var order = new int[n];
        var keys = values.ToArray();
        for (int i = 0; i < n; i++)
        {
            if (double.IsNaN(keys[i]))
                throw new ArgumentException($"values[{i}] is NaN; ranks are undefined", nameof(values));
            order[i] = i;
        }
        Array.Sort(keys, order);
        var ranks = new double[n];
        int start = 0;
        while (start < n)
        {
            int end = start;
            while (end + 1 < n && keys[end + 1] == keys[start]) end++;
            // Ranks start..end (0-based) -> average of (start+1)..(end+1).
            double average = (start + end) / 2.0 + 1.0;
            for (int i = start; i <= end; i++) ranks[order[i]] = average;
            start = end + 1;
        }
        return ranks;
    }

    private static double Mean(ReadOnlySpan<double> v)
    {
        double sum = 0;
        foreach (double d in v) sum += d;
        return sum / v.Length;
    }

    private static void Validate(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"x has {x.Length} values but y has {y.Length}", nameof(y));
        if (x.Length < 2)
            throw new ArgumentException($"a correlation needs at least 2 pairs, got {x.Length}", nameof(x));
    }
}
