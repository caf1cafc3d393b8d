namespace LlmEmbed.Statistics;

/// <summary>The alternative hypothesis of a paired test, named as in SciPy (<c>two-sided</c>, <c>greater</c>, <c>less</c>).</summary>
public enum TestAlternative
{
    /// <summary>The paired differences are not centred on zero.</summary>
    TwoSided,
    /// <summary>x tends to be greater than y (differences x - y shifted upwards).</summary>
    Greater,
    /// <summary>x tends to be less than y.</summary>
    Less,
}
