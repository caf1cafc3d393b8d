namespace LlmEmbed.Statistics;

/// <summary>Matched-pairs rank-biserial correlation, the effect size that goes with the Wilcoxon signed-rank test.</summary>
public static class RankBiserial
{
    /// <summary>
    /// r = (R+ - R-) / (R+ + R-) over the non-zero differences d = x - y (zeros dropped, average ranks of |d|), i.e.
    /// Kerby's simple difference: +1 when every non-zero difference favours x, -1 when every one favours y.
    /// With no non-zero difference there is nothing favouring either side and the result is 0.
    /// </summary>
    public static double MatchedPairs(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"Paired samples must have the same length (x has {x.Length}, y has {y.Length}).", nameof(y));
        if (x.Length == 0) throw new ArgumentException("The rank-biserial correlation needs at least one pair; got none.", nameof(x));
        var d = new List<double>(x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i] - y[i];
            if (!double.IsFinite(v)) throw new ArgumentException($"Pair {i} has a non-finite difference ({x[i]} - {y[i]}).", nameof(x));
            if (v != 0) d.Add(v);
        }
        if (d.Count == 0) return 0.0;
        double[] ranks = RankData.Average(d.Select(Math.Abs).ToArray());
        double plus = 0, minus = 0;
        for (int i = 0; i < d.Count; i++)
        {
            if (d[i] > 0) plus += ranks[i];
            else minus += ranks[i];
        }
        return (plus - minus) / (plus + minus);
    }
}
