namespace LlmEmbed.Bench;

/// <summary>
/// An achieved FLOP rate that a table shows as a fraction of the measured matmul rate (MFU). It stays a rate until
/// <see cref="ResultSink.Report"/> divides it by the rates the table header states — the best of the measurements
/// before and after the benchmark — so every MFU in a table has the same, stated denominator.
/// </summary>
internal sealed class MatmulFraction(double flopsPerSecond, bool bf16)
{
    public double FlopsPerSecond { get; } = flopsPerSecond;
    public bool Bf16 { get; } = bf16;

    public double Of(MatmulRates rates) => rates.Mfu(FlopsPerSecond, Bf16);
}
