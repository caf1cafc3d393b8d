namespace LlmEmbed.Statistics;

/// <summary>
/// Paired sign-flip (swap) permutation test of the mean difference: under H0 each pair's difference is equally
/// likely to have either sign, so T_s = mean(s·d) over sign vectors s is the null distribution of T = mean(d).
/// </summary>
/// <remarks>
/// Exact for n &lt;= <see cref="MaxExactN"/> (all 2^n vectors, identity included); otherwise a seeded Monte Carlo
/// estimate with the usual (count + 1) / (draws + 1) so the p-value is never 0. Comparisons allow a relative slack
/// of 1e-9 so that sums equal in exact decimal arithmetic (0.1 + 0.2 vs 0.3) count as ties, as the golden
/// reference (exact arithmetic) does.
/// </remarks>
public static class SignFlipPermutationTest
{
    /// <summary>Largest n enumerated exactly by default (2^20 ≈ 10^6 sign vectors).</summary>
    public const int MaxExactN = 20;

    private const double RelativeTieTolerance = 1e-9;

    /// <param name="a">Per-example scores of system A.</param>
    /// <param name="b">Per-example scores of system B (same examples, same order).</param>
    /// <param name="monteCarloDraws">Random sign vectors drawn when n &gt; <paramref name="maxExactN"/>.</param>
    /// <param name="seed">Seed of the Monte Carlo generator (results are reproducible for a given seed).</param>
    /// <param name="maxExactN">Enumerate exactly up to this n (at most 30).</param>
    public static SignFlipResult Test(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int monteCarloDraws = 100_000, int seed = 12345, int maxExactN = MaxExactN)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Paired samples must have the same length (a has {a.Length}, b has {b.Length}).", nameof(b));
        if (a.Length == 0)
            throw new ArgumentException("The sign-flip test needs at least one pair; got none.", nameof(a));
        if (maxExactN is < 0 or > 30)
            throw new ArgumentOutOfRangeException(nameof(maxExactN), maxExactN, "maxExactN must be in 0..30");
        if (monteCarloDraws < 1)
            throw new ArgumentOutOfRangeException(nameof(monteCarloDraws), monteCarloDraws, "monteCarloDraws must be positive");

        int n = a.Length;
        var d = new double[n];
        double sumA = 0, sumB = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(a[i]) || !double.IsFinite(b[i]))
                throw new ArgumentException($"Pair {i} has a non-finite score (a = {a[i]}, b = {b[i]}).", nameof(a));
            d[i] = a[i] - b[i];
            sumA += a[i];
            sumB += b[i];
        }
        double observed = d.Sum();
        // Work with sums (n·T): the same ordering as means, one rounding fewer.
        double tol = RelativeTieTolerance * Math.Max(1.0, Math.Abs(observed));
        double absObserved = Math.Abs(observed);

        long two = 0, greater = 0, less = 0, vectors;
        bool exact = n <= maxExactN;
        if (exact)
        {
            vectors = 1L << n;
            for (long mask = 0; mask < vectors; mask++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += (mask >> i & 1) == 0 ? d[i] : -d[i];
                Count(s);
            }
        }
        else
        {
            vectors = monteCarloDraws;
            var rng = new Random(seed);
            for (int draw = 0; draw < monteCarloDraws; draw++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += rng.Next(2) == 0 ? d[i] : -d[i];
                Count(s);
            }
        }

        double P(long count) => exact ? (double)count / vectors : (count + 1.0) / (vectors + 1.0);
        return new SignFlipResult(sumA / n, sumB / n, observed / n, exact, vectors, two, greater, less, P(two), P(greater), P(less));

        void Count(double s)
        {
            if (Math.Abs(s) >= absObserved - tol) two++;
            if (s >= observed - tol) greater++;
            if (s <= observed + tol) less++;
        }
    }
}
