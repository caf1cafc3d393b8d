namespace LlmEmbed.Statistics;

/// <summary>Percentile bootstrap confidence interval of a paired mean difference.</summary>
/// <param name="MeanDifference">Observed mean(a - b).</param>
/// <param name="ResampleMeanDifferences">Mean difference of each resample, in resample order.</param>
/// <param name="ConfidenceLevel">E.g. 0.95.</param>
/// <param name="Lower">Percentile (1 - level)/2 of the resample means (NumPy's linear interpolation).</param>
/// <param name="Upper">Percentile (1 + level)/2 of the resample means.</param>
/// <param name="StandardError">Sample standard deviation (ddof = 1) of the resample means; NaN for a single resample.</param>
public sealed record PairedBootstrapResult(
    double MeanDifference,
    IReadOnlyList<double> ResampleMeanDifferences,
    double ConfidenceLevel,
    double Lower,
    double Upper,
    double StandardError);
