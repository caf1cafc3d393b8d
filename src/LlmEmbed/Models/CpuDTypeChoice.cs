namespace LlmEmbed.Models;

/// <summary>
/// What <c>dtype: auto</c> means on this CPU and why: <paramref name="Source"/> is <c>override</c> (the environment
/// variable), <c>amx</c> (the flag alone decides), <c>measured</c> (timed now) or <c>cached</c> (timed earlier on this
/// machine). The GFLOP/s are the measured matmul rates (NaN where nothing was measured).
/// </summary>
public sealed record CpuDTypeChoice(bool BFloat16, string Source, double BFloat16Gflops, double Float32Gflops)
{
    public override string ToString() => $"auto = {(BFloat16 ? "bfloat16" : "float32")} ({Source}"
        + (double.IsNaN(BFloat16Gflops) ? ")" : $": bf16 {BFloat16Gflops:F0} vs fp32 {Float32Gflops:F0} GFLOP/s)");
}
