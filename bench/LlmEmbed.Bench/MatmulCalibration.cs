using System.Diagnostics;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// Times [M x K] x [K x N] matmuls (best of a few) in bf16 and fp32. Measured in the same run as the benchmark it
/// normalises, so that a machine shared with other jobs gives a utilisation relative to what it delivers now.
/// </summary>
internal static class MatmulCalibration
{
    private const int M = 4096, K = 1024, N = 1024;

    public static MatmulRates Measure(int repeats)
    {
        double bf16 = Rate(ScalarType.BFloat16, repeats);
        double fp32 = Rate(ScalarType.Float32, repeats);
        return new MatmulRates(bf16, fp32, $"[{M}x{K}]x[{K}x{N}]", repeats);
    }

    private static double Rate(ScalarType dtype, int repeats)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var gen = new Generator(7);
        var a = randn([M, K], generator: gen).to(dtype);
        var b = randn([K, N], generator: gen).to(dtype);
        matmul(a, b).Dispose(); // first call allocates and picks kernels
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = matmul(a, b);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * M * N * K / best / 1e9;
    }
}
