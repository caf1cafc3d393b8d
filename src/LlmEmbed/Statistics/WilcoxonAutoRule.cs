namespace LlmEmbed.Statistics;

/// <summary>Which SciPy version's rule <see cref="WilcoxonMethod.Auto"/> follows.</summary>
public enum WilcoxonAutoRule
{
    /// <summary>
    /// SciPy 1.10.1 (the study's reference): exact for n &lt;= 50, else approx; zeros force approx; ties are ignored,
    /// so the exact path then runs on the truncated int(R+).
    /// </summary>
    Scipy1_10,
    /// <summary>
    /// SciPy &gt;= 1.15 (statistically sounder with ties): exact only for n &lt;= 50 without ties or zeros; otherwise an
    /// exact sign-flip permutation test of R+ for n &lt;= 13 and the normal approximation above.
    /// </summary>
    Scipy1_15,
}
