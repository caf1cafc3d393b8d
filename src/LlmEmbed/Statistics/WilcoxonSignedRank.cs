namespace LlmEmbed.Statistics;

/// <summary>
/// The Wilcoxon signed-rank test, reproducing <c>scipy.stats.wilcoxon</c> of SciPy 1.10.1 (statistic, p-value,
/// method resolution, zero handling, warnings).
/// </summary>
/// <remarks>
/// SciPy 1.10.1 semantics kept on purpose, because the study's reference numbers come from that version:
/// <list type="bullet">
/// <item><c>auto</c> picks exact for at most 50 differences even when |d| has ties; the exact path then uses
/// <c>int(R+)</c> (truncated), as SciPy does. Newer SciPy differs here (see shared/golden/README.md);
/// <see cref="WilcoxonAutoRule.Scipy1_15"/> selects that newer rule.</item>
/// <item>Any zero difference switches the exact method (requested or resolved) to the approximation, with a warning.</item>
/// <item>The approximation drops zeros under <c>wilcox</c>; <c>pratt</c> ranks them but removes their share from the
/// null mean and variance; <c>zsplit</c> keeps them, splitting their rank sum between R+ and R-.</item>
/// </list>
/// Where SciPy raises <c>ValueError</c> this throws <see cref="ArgumentException"/>. Unlike SciPy 1.10.1, empty or
/// non-finite input is rejected instead of giving NaN.
/// </remarks>
public static class WilcoxonSignedRank
{
    /// <summary>The largest n whose exact null distribution is kept as integer counts (2^62 fits in a long).</summary>
    private const int MaxIntegerExactN = 62;

    /// <summary>Tests the paired samples x and y (d = x - y, computed in IEEE double as NumPy does).</summary>
    public static WilcoxonResult Test(
        ReadOnlySpan<double> x,
        ReadOnlySpan<double> y,
        TestAlternative alternative = TestAlternative.TwoSided,
        WilcoxonZeroMethod zeroMethod = WilcoxonZeroMethod.Wilcox,
        bool correction = false,
        WilcoxonMethod method = WilcoxonMethod.Auto,
        WilcoxonAutoRule autoRule = WilcoxonAutoRule.Scipy1_10)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"The samples x and y must have the same length (x has {x.Length}, y has {y.Length}).", nameof(y));
        var d = new double[x.Length];
        for (int i = 0; i < d.Length; i++) d[i] = x[i] - y[i];
        return TestDifferences(d, alternative, zeroMethod, correction, method, autoRule);
    }

    /// <summary>Tests the differences d directly (SciPy's one-sample form <c>wilcoxon(d)</c>).</summary>
    public static WilcoxonResult TestDifferences(
        ReadOnlySpan<double> differences,
        TestAlternative alternative = TestAlternative.TwoSided,
        WilcoxonZeroMethod zeroMethod = WilcoxonZeroMethod.Wilcox,
        bool correction = false,
        WilcoxonMethod method = WilcoxonMethod.Auto,
        WilcoxonAutoRule autoRule = WilcoxonAutoRule.Scipy1_10)
    {
        if (differences.Length == 0)
            throw new ArgumentException("The Wilcoxon test needs at least one paired difference; got none.", nameof(differences));
        for (int i = 0; i < differences.Length; i++)
            if (!double.IsFinite(differences[i]))
                throw new ArgumentException($"Paired difference {i} is {differences[i]}; the Wilcoxon test needs finite values.", nameof(differences));
        if (!Enum.IsDefined(alternative)) throw new ArgumentException($"Unknown alternative {alternative}.", nameof(alternative));
        if (!Enum.IsDefined(zeroMethod)) throw new ArgumentException($"Unknown zero method {zeroMethod}.", nameof(zeroMethod));
        if (!Enum.IsDefined(method)) throw new ArgumentException($"Unknown method {method}.", nameof(method));
        if (!Enum.IsDefined(autoRule)) throw new ArgumentException($"Unknown auto rule {autoRule}.", nameof(autoRule));

        var warnings = new List<string>();
        double[] d = differences.ToArray();
        int nZero = d.Count(v => v == 0);

        if (method == WilcoxonMethod.Auto && autoRule == WilcoxonAutoRule.Scipy1_10)
            method = d.Length <= 50 ? WilcoxonMethod.Exact : WilcoxonMethod.Approx;
        else if (method == WilcoxonMethod.Auto)
        {
            bool tiesOrZeros = nZero > 0 || RankData.TieTerm(d.Select(Math.Abs).ToArray()) > 0;
            method = d.Length <= 50 && !tiesOrZeros ? WilcoxonMethod.Exact
                : d.Length <= 13 ? WilcoxonMethod.Permutation
                : WilcoxonMethod.Approx;
        }

        if (nZero > 0 && method == WilcoxonMethod.Exact)
        {
            method = WilcoxonMethod.Approx;
            warnings.Add("Exact p-value calculation does not work if there are zeros. Switching to normal approximation.");
        }

        if (method is WilcoxonMethod.Approx or WilcoxonMethod.Permutation)
        {
            if ((zeroMethod is WilcoxonZeroMethod.Wilcox or WilcoxonZeroMethod.Pratt) && nZero == d.Length)
                throw new ArgumentException("zero_method 'wilcox' and 'pratt' do not work if x - y is zero for all elements.", nameof(differences));
            if (zeroMethod == WilcoxonZeroMethod.Wilcox)
                d = d.Where(v => v != 0).ToArray();
        }

        int count = d.Length;
        if (count < 10 && method == WilcoxonMethod.Approx)
            warnings.Add("Sample size too small for normal approximation.");

        var absolute = d.Select(Math.Abs).ToArray();
        double[] ranks = RankData.Average(absolute);
        double rPlus = 0, rMinus = 0, rZero = 0;
        for (int i = 0; i < count; i++)
        {
            if (d[i] > 0) rPlus += ranks[i];
            else if (d[i] < 0) rMinus += ranks[i];
            else rZero += ranks[i];
        }
        if (zeroMethod == WilcoxonZeroMethod.Zsplit)
        {
            rPlus += rZero / 2.0;
            rMinus += rZero / 2.0;
        }

        var nonZeroAbsolute = absolute.Where(v => v != 0).ToArray();
        bool hasTies = RankData.TieTerm(nonZeroAbsolute) > 0;
        double statistic = alternative == TestAlternative.TwoSided ? Math.Min(rPlus, rMinus) : rPlus;

        if (method == WilcoxonMethod.Approx)
        {
            double mean = count * (count + 1.0) * 0.25;
            double variance24 = count * (count + 1.0) * (2.0 * count + 1.0);
            double tieTerm;
            if (zeroMethod == WilcoxonZeroMethod.Pratt)
            {
                // Cureton (1967): the zeros' ranks 1..n0 carry no sign, so their share leaves mean and variance,
                // and only ranks of non-zero differences enter the tie term.
                mean -= nZero * (nZero + 1.0) * 0.25;
                variance24 -= nZero * (nZero + 1.0) * (2.0 * nZero + 1.0);
                tieTerm = RankData.TieTerm(nonZeroAbsolute);
            }
            else
            {
                tieTerm = RankData.TieTerm(absolute);
            }
            variance24 -= 0.5 * tieTerm;
            double se = Math.Sqrt(variance24 / 24.0);

            double continuity = 0;
            if (correction)
            {
                continuity = alternative switch
                {
                    TestAlternative.TwoSided => 0.5 * Math.Sign(statistic - mean),
                    TestAlternative.Less => -0.5,
                    _ => 0.5,
                };
            }
            double z = (statistic - mean - continuity) / se;
            double p = alternative switch
            {
                TestAlternative.TwoSided => 2.0 * NormalDistribution.Sf(Math.Abs(z)),
                TestAlternative.Greater => NormalDistribution.Sf(z),
                _ => NormalDistribution.Cdf(z),
            };
            return new WilcoxonResult(statistic, p, WilcoxonMethod.Approx, rPlus, rMinus, count, nZero, hasTies,
                z, mean, se, tieTerm, continuity, null, warnings);
        }

        if (method == WilcoxonMethod.Permutation)
        {
            var (pPerm, permFraction) = PermutationPValue(d, ranks, rPlus, zeroMethod == WilcoxonZeroMethod.Zsplit ? rZero / 2.0 : 0.0, alternative);
            return new WilcoxonResult(statistic, pPerm, WilcoxonMethod.Permutation, rPlus, rMinus, count, nZero, hasTies,
                null, null, null, null, null, permFraction, warnings);
        }

        // Exact: SciPy indexes its pmf with int(R+), which truncates a tied half-rank sum.
        int r = (int)rPlus;
        var (pExact, fraction) = ExactPValue(count, r, alternative);
        return new WilcoxonResult(statistic, pExact, WilcoxonMethod.Exact, rPlus, rMinus, count, nZero, hasTies,
            null, null, null, null, null, fraction, warnings);
    }

    /// <summary>
    /// Exact permutation p-value: R+ over all sign patterns of the non-zero differences with their observed ranks
    /// (zeros' signs change nothing). Two-sided p = min(1, 2·min(P(R+ &lt;= r), P(R+ &gt;= r))), as
    /// <c>scipy.stats.permutation_test</c> reports it. Ranks are multiples of 1/2, so the sums compare exactly.
    /// </summary>
    private static (double P, ExactFraction? Fraction) PermutationPValue(double[] d, double[] ranks, double observedRPlus, double zeroShare, TestAlternative alternative)
    {
        var nonZeroRanks = new List<double>();
        for (int i = 0; i < d.Length; i++) if (d[i] != 0) nonZeroRanks.Add(ranks[i]);
        int k = nonZeroRanks.Count;
        if (k > 30) throw new ArgumentException($"The permutation method enumerates 2^n sign patterns; n = {k} non-zero differences is too many (at most 30).", nameof(d));
        long patterns = 1L << k, lower = 0, upper = 0;
        for (long mask = 0; mask < patterns; mask++)
        {
            double r = zeroShare;
            for (int i = 0; i < k; i++) if ((mask >> i & 1) != 0) r += nonZeroRanks[i];
            if (r <= observedRPlus) lower++;
            if (r >= observedRPlus) upper++;
        }
        ExactFraction fraction = alternative switch
        {
            TestAlternative.TwoSided => Math.Min(lower, upper) * 2 >= patterns
                ? new ExactFraction(1, 1)
                : ExactFraction.OverPowerOfTwo(Math.Min(lower, upper), k - 1),
            TestAlternative.Greater => ExactFraction.OverPowerOfTwo(upper, k),
            _ => ExactFraction.OverPowerOfTwo(lower, k),
        };
        return (fraction.Value, fraction);
    }

    /// <summary>Exact p-value of R+ = r among n untied ranks; as a fraction when n is small enough for integer counts.</summary>
    private static (double P, ExactFraction? Fraction) ExactPValue(int n, int r, TestAlternative alternative)
    {
        int maxSum = n * (n + 1) / 2;
        int centre = maxSum / 2;
        if (n <= MaxIntegerExactN)
        {
            long[] counts = SignedRankCounts(n);
            long lower = 0, upper = 0;
            for (int s = 0; s <= r; s++) lower += counts[s];
            for (int s = r; s <= maxSum; s++) upper += counts[s];
            ExactFraction fraction = alternative switch
            {
                TestAlternative.TwoSided when r == centre => new ExactFraction(1, 1),
                // 2·min(count)/2^n, capped at 1.
                TestAlternative.TwoSided => Math.Min(lower, upper) * 2 >= (1L << n)
                    ? new ExactFraction(1, 1)
                    : ExactFraction.OverPowerOfTwo(Math.Min(lower, upper), n - 1),
                TestAlternative.Greater => ExactFraction.OverPowerOfTwo(upper, n),
                _ => ExactFraction.OverPowerOfTwo(lower, n),
            };
            return (fraction.Value, fraction);
        }

        // Beyond 2^62 patterns fall back to SciPy's own floating-point pmf (halving recursion).
        double[] pmf = SignedRankPmf(n);
        double pLess = 0, pGreater = 0;
        for (int s = 0; s <= r; s++) pLess += pmf[s];
        for (int s = r; s <= maxSum; s++) pGreater += pmf[s];
        double p = alternative switch
        {
            TestAlternative.TwoSided when r == centre => 1.0,
            TestAlternative.TwoSided => 2 * Math.Min(pLess, pGreater),
            TestAlternative.Greater => pGreater,
            _ => pLess,
        };
        return (Math.Clamp(p, 0.0, 1.0), null);
    }

    /// <summary>counts[s] = number of subsets of {1..n} with sum s (sign patterns giving R+ = s).</summary>
    private static long[] SignedRankCounts(int n)
    {
        var counts = new long[n * (n + 1) / 2 + 1];
        counts[0] = 1;
        int reach = 0;
        for (int k = 1; k <= n; k++)
        {
            reach += k;
            for (int s = reach; s >= k; s--) counts[s] += counts[s - k];
        }
        return counts;
    }

    private static double[] SignedRankPmf(int n)
    {
        var c = new double[] { 1.0 };
        for (int k = 1; k <= n; k++)
        {
            var next = new double[k * (k + 1) / 2 + 1];
            int m = c.Length;
            for (int i = 0; i < m; i++)
            {
                next[i] += c[i] * 0.5;
                next[next.Length - m + i] += c[i] * 0.5;
            }
            c = next;
        }
        return c;
    }
}
