namespace LlmEmbed.Statistics;

/// <summary>How the Wilcoxon p-value is computed (SciPy's <c>method</c>).</summary>
public enum WilcoxonMethod
{
    /// <summary>SciPy 1.10.1 rule: exact when there are at most 50 differences, otherwise approx; zeros force approx.</summary>
    Auto,
    /// <summary>Exact null distribution of R+ over all 2^n sign patterns.</summary>
    Exact,
    /// <summary>Normal approximation with tie correction (and optional continuity correction).</summary>
    Approx,
    /// <summary>
    /// Exact sign-flip permutation distribution of R+ with the observed (possibly tied) ranks; chosen by
    /// <see cref="Auto"/> under <see cref="WilcoxonAutoRule.Scipy1_15"/> for n &lt;= 13 with ties or zeros.
    /// </summary>
    Permutation,
}
