namespace LlmEmbed.Bench;

/// <summary>Measured dense matmul throughput (GFLOP/s) of this process right now; the denominator of every MFU.</summary>
internal sealed record MatmulRates(double Bf16Gflops, double Fp32Gflops, string Shape, int Repeats)
{
    /// <summary>The better of two measurements (taken before and after a benchmark: load on a shared machine only slows it).</summary>
    public MatmulRates Best(MatmulRates other) =>
        this with { Bf16Gflops = Math.Max(Bf16Gflops, other.Bf16Gflops), Fp32Gflops = Math.Max(Fp32Gflops, other.Fp32Gflops), Repeats = Repeats + other.Repeats };

    /// <summary>Achieved FLOP/s over the measured matmul rate of <paramref name="bf16"/> or fp32.</summary>
    public double Mfu(double achievedFlopsPerSecond, bool bf16) =>
        achievedFlopsPerSecond / ((bf16 ? Bf16Gflops : Fp32Gflops) * 1e9);
}
