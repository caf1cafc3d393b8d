namespace LlmEmbed.Statistics;

/// <summary>
/// Adjusted p-values (statsmodels <c>multipletests</c>: <c>bonferroni</c>, <c>holm</c>, <c>fdr_bh</c>), returned in input
/// order; a hypothesis is rejected at level alpha when its adjusted p-value is &lt;= alpha.
/// </summary>
public static class PValueAdjustment
{
    public static double[] Adjust(ReadOnlySpan<double> pValues, PValueAdjustmentMethod method)
    {
        Validate(pValues);
        return method switch
        {
            PValueAdjustmentMethod.Bonferroni => Bonferroni(pValues),
            PValueAdjustmentMethod.Holm => Holm(pValues),
            PValueAdjustmentMethod.BenjaminiHochberg => BenjaminiHochberg(pValues),
            _ => throw new ArgumentException($"Unknown adjustment method {method}.", nameof(method)),
        };
    }

    /// <summary>adjusted[i] &lt;= alpha.</summary>
    public static bool[] Reject(ReadOnlySpan<double> adjusted, double alpha)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in (0, 1)");
        var reject = new bool[adjusted.Length];
        for (int i = 0; i < reject.Length; i++) reject[i] = adjusted[i] <= alpha;
        return reject;
    }

    public static double[] Bonferroni(ReadOnlySpan<double> pValues)
    {
        Validate(pValues);
        int m = pValues.Length;
        var q = new double[m];
        for (int i = 0; i < m; i++) q[i] = Math.Min(1.0, m * pValues[i]);
        return q;
    }

    /// <summary>Sorted ascending: q_(i) = max over j &lt;= i of min(1, (m - j + 1)·p_(j)).</summary>
    public static double[] Holm(ReadOnlySpan<double> pValues)
    {
        Validate(pValues);
        int m = pValues.Length;
        int[] order = AscendingOrder(pValues);
        var q = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++)
        {
            int i = order[rank];
            running = Math.Max(running, Math.Min(1.0, (m - rank) * pValues[i]));
            q[i] = running;
        }
        return q;
    }

    /// <summary>Sorted ascending: q_(i) = min over j &gt;= i of min(1, m·p_(j)/j).</summary>
    public static double[] BenjaminiHochberg(ReadOnlySpan<double> pValues)
    {
        Validate(pValues);
        int m = pValues.Length;
        int[] order = AscendingOrder(pValues);
        var q = new double[m];
        double running = 1.0;
        for (int rank = m - 1; rank >= 0; rank--)
        {
            int i = order[rank];
            running = Math.Min(running, Math.Min(1.0, m * pValues[i] / (rank + 1)));
            q[i] = running;
        }
        return q;
    }

    private static int[] AscendingOrder(ReadOnlySpan<double> pValues)
    {
        var keys = pValues.ToArray();
        var order = Enumerable.Range(0, keys.Length).ToArray();
        // Tied p-values end up with equal adjusted values: the running max (Holm) / min (BH) carries over within a tie.
        return order.OrderBy(i => keys[i]).ToArray();
    }

    private static void Validate(ReadOnlySpan<double> pValues)
    {
        if (pValues.Length == 0) throw new ArgumentException("No p-values to adjust.", nameof(pValues));
        for (int i = 0; i < pValues.Length; i++)
            if (!(pValues[i] >= 0 && pValues[i] <= 1))
                throw new ArgumentException($"p-value {i} is {pValues[i]}; p-values must lie in [0, 1].", nameof(pValues));
    }
}
