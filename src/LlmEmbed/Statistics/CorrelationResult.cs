namespace LlmEmbed.Statistics;

/// <summary>A correlation coefficient with its two-sided p-value (NaN where SciPy gives NaN, e.g. constant input).</summary>
public readonly record struct CorrelationResult(double Coefficient, double PValue);
