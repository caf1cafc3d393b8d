namespace LlmEmbed.Statistics;

/// <summary>Outcome of <see cref="WilcoxonSignedRank.Test(ReadOnlySpan{double}, ReadOnlySpan{double}, TestAlternative, WilcoxonZeroMethod, bool, WilcoxonMethod)"/>.</summary>
/// <param name="Statistic">Two-sided: min(R+, R-); one-sided: R+ (SciPy's convention).</param>
/// <param name="PValue">The p-value of the resolved method.</param>
/// <param name="Method">The method actually used (<see cref="WilcoxonMethod.Auto"/> never appears here).</param>
/// <param name="RPlus">Sum of ranks of positive differences (plus half the zero ranks under zsplit).</param>
/// <param name="RMinus">Sum of ranks of negative differences (plus half the zero ranks under zsplit).</param>
/// <param name="NUsed">Number of differences ranked (zeros excluded under wilcox + approx, as SciPy does).</param>
/// <param name="NZero">Number of zero differences in the input.</param>
/// <param name="HasTies">Whether two non-zero |d| are equal.</param>
/// <param name="ZStatistic">(T - mean - continuity) / se for the normal approximation; null for the exact method.</param>
/// <param name="MeanT">Null mean of T for the approximation (null for exact).</param>
/// <param name="SeT">Null standard deviation of T, tie- and zero-corrected (null for exact).</param>
/// <param name="TieTerm">Sum of t^3 - t over tie groups of ranks used by the variance (null for exact).</param>
/// <param name="Continuity">Continuity correction subtracted from T - mean (0 without correction; null for exact).</param>
/// <param name="ExactPValue">The exact p-value as a reduced fraction k/2^m (exact method with n &lt;= 62 only).</param>
/// <param name="Warnings">The warnings SciPy 1.10.1 emits for these inputs (fallback to approx, small n).</param>
public sealed record WilcoxonResult(
    double Statistic,
    double PValue,
    WilcoxonMethod Method,
    double RPlus,
    double RMinus,
    int NUsed,
    int NZero,
    bool HasTies,
    double? ZStatistic,
    double? MeanT,
    double? SeT,
    double? TieTerm,
    double? Continuity,
    ExactFraction? ExactPValue,
    IReadOnlyList<string> Warnings);
