namespace LlmEmbed.Statistics;

/// <summary>Ranks as <c>scipy.stats.rankdata(method='average')</c>: 1-based, ties get the mean of their positions.</summary>
public static class RankData
{
    public static double[] Average(ReadOnlySpan<double> values)
    {
        int n = values.Length;
        var order = new int[n];
        var keys = values.ToArray();
        for (int i = 0; i < n; i++)
        {
            if (double.IsNaN(keys[i])) throw new ArgumentException($"value at index {i} is NaN; ranks are undefined", nameof(values));
            order[i] = i;
        }
        Array.Sort(keys, order);
        var ranks = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && keys[end] == keys[start]) end++;
            // Positions start..end-1 (0-based) share the mean of the 1-based ranks start+1..end.
            double rank = 0.5 * (start + 1 + end);
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }

    /// <summary>Sum of t^3 - t over groups of equal values (t = group size), the usual tie-correction term.</summary>
    public static double TieTerm(ReadOnlySpan<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double term = 0;
        for (int start = 0; start < sorted.Length;)
        {
            int end = start + 1;
            while (end < sorted.Length && sorted[end] == sorted[start]) end++;
            double t = end - start;
            term += t * t * t - t;
            start = end;
        }
        return term;
    }
}
