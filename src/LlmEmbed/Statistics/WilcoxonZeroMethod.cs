namespace LlmEmbed.Statistics;

/// <summary>How the Wilcoxon signed-rank test treats zero differences (SciPy's <c>zero_method</c>).</summary>
public enum WilcoxonZeroMethod
{
    /// <summary>Drop zero differences before ranking (SciPy default).</summary>
    Wilcox,
    /// <summary>Rank zeros with the others, then ignore their ranks; the normal approximation is adjusted (Cureton 1967).</summary>
    Pratt,
    /// <summary>Keep zeros and split their rank sum equally between R+ and R-.</summary>
    Zsplit,
}
