namespace LlmEmbed.Statistics;

/// <summary>Outcome of <see cref="PairedStatisticBootstrap.Test"/>.</summary>
/// <param name="Difference">Observed statistic(A) − statistic(B) over all items.</param>
/// <param name="Lower">Lower percentile bound of the resampled differences.</param>
/// <param name="Upper">Upper percentile bound.</param>
/// <param name="PValue">Two-sided bootstrap p-value (resolution 2 / resamples).</param>
/// <param name="Resamples">Number of resamples.</param>
public sealed record PairedStatisticBootstrapResult(double Difference, double Lower, double Upper, double PValue, int Resamples);
