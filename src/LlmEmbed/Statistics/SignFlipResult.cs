namespace LlmEmbed.Statistics;

/// <summary>Outcome of a paired sign-flip permutation test of the mean difference.</summary>
/// <param name="MeanA">Mean of the first sample.</param>
/// <param name="MeanB">Mean of the second sample.</param>
/// <param name="MeanDifference">T = mean(a - b).</param>
/// <param name="Exact">True when all 2^n sign vectors were enumerated; false for Monte Carlo.</param>
/// <param name="SignVectors">2^n (exact) or the number of random sign vectors drawn (Monte Carlo).</param>
/// <param name="CountTwoSided">Sign vectors with |T_s| &gt;= |T| (identity included when exact).</param>
/// <param name="CountGreater">Sign vectors with T_s &gt;= T.</param>
/// <param name="CountLess">Sign vectors with T_s &lt;= T.</param>
/// <param name="PTwoSided">Exact: CountTwoSided / 2^n. Monte Carlo: (CountTwoSided + 1) / (draws + 1).</param>
/// <param name="PGreater">As <paramref name="PTwoSided"/> for the greater alternative.</param>
/// <param name="PLess">As <paramref name="PTwoSided"/> for the less alternative.</param>
public sealed record SignFlipResult(
    double MeanA,
    double MeanB,
    double MeanDifference,
    bool Exact,
    long SignVectors,
    long CountTwoSided,
    long CountGreater,
    long CountLess,
    double PTwoSided,
    double PGreater,
    double PLess)
{
    /// <summary>The p-value for <paramref name="alternative"/>.</summary>
    public double PValue(TestAlternative alternative) => alternative switch
    {
        TestAlternative.TwoSided => PTwoSided,
        TestAlternative.Greater => PGreater,
        TestAlternative.Less => PLess,
        _ => throw new ArgumentException($"Unknown alternative {alternative}.", nameof(alternative)),
    };
}
