namespace LlmEmbed.Statistics;

/// <summary>Standard normal tail probabilities computed through erfc, accurate far into the tails.</summary>
public static class NormalDistribution
{
    private const double InvSqrt2 = 0.70710678118654752440;

    /// <summary>P(Z &gt; z).</summary>
    public static double Sf(double z) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(z * InvSqrt2);

    /// <summary>P(Z &lt;= z).</summary>
    public static double Cdf(double z) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z * InvSqrt2);
}
