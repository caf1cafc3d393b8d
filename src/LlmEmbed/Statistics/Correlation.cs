using MathNet.Numerics;

namespace LlmEmbed.Statistics;

/// <summary>
/// Pearson and Spearman correlation with two-sided p-values, as <c>scipy.stats.pearsonr</c> and
/// <c>scipy.stats.spearmanr</c> (SciPy 1.10.1) compute them.
/// </summary>
/// <remarks>
/// Constant input gives NaN coefficient and p-value (SciPy warns). n = 2: Pearson r = ±1 with p = 1; Spearman p is NaN
/// (no degrees of freedom). Fewer than 2 pairs, unequal lengths or non-finite values throw <see cref="ArgumentException"/>.
/// </remarks>
public static class Correlation
{
    public static CorrelationResult Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Validate(x, y);
        int n = x.Length;
        if (IsConstant(x) || IsConstant(y)) return new CorrelationResult(double.NaN, double.NaN);
        if (n == 2)
            return new CorrelationResult(Math.Sign(x[1] - x[0]) * Math.Sign(y[1] - y[0]), 1.0);

        double r = PearsonCoefficient(x, y);
        // pearsonr: p = 2·sf(|r|) of Beta(n/2 - 1, n/2 - 1) on [-1, 1] = 2·I_{(1-|r|)/2}(a, a); this form keeps
        // precision when |r| is close to 1.
        double a = n / 2.0 - 1.0;
        double p = 2.0 * SpecialFunctions.BetaRegularized(a, a, 0.5 * (1.0 - Math.Abs(r)));
        return new CorrelationResult(r, p);
    }

    public static CorrelationResult Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Validate(x, y);
        int n = x.Length;
        if (IsConstant(x) || IsConstant(y)) return new CorrelationResult(double.NaN, double.NaN);
        double[] rx = RankData.Average(x), ry = RankData.Average(y);
        double rho = PearsonCoefficient(rx, ry);
        int dof = n - 2;
        if (dof == 0) return new CorrelationResult(rho, double.NaN);
        // spearmanr: t = rho·sqrt(dof / ((1 + rho)(1 - rho))), p = 2·sf_t(|t|, dof) = I_{dof/(dof + t^2)}(dof/2, 1/2).
        double denominator = (rho + 1.0) * (1.0 - rho);
        double t = rho * Math.Sqrt(Math.Max(dof / denominator, 0.0));
        double p;
        if (double.IsInfinity(t) || double.IsNaN(t)) p = 0.0;
        else p = SpecialFunctions.BetaRegularized(dof / 2.0, 0.5, dof / (dof + t * t));
        return new CorrelationResult(rho, p);
    }

    /// <summary>Centre first, then normalise (as SciPy does), so values near 1e8 do not lose precision; clipped to [-1, 1].</summary>
    private static double PearsonCoefficient(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n;
        my /= n;
        double sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        double r = sxy / (Math.Sqrt(sxx) * Math.Sqrt(syy));
        return Math.Clamp(r, -1.0, 1.0);
    }

    private static bool IsConstant(ReadOnlySpan<double> v)
    {
        for (int i = 1; i < v.Length; i++) if (v[i] != v[0]) return false;
        return true;
    }

    private static void Validate(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"x and y must have the same length (x has {x.Length}, y has {y.Length}).", nameof(y));
        if (x.Length < 2) throw new ArgumentException($"x and y must have length at least 2 (got {x.Length}).", nameof(x));
        for (int i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                throw new ArgumentException($"Pair {i} is not finite (x = {x[i]}, y = {y[i]}).", nameof(x));
    }
}
