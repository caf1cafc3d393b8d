using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// Which floating-point dtype computes fastest on a device. bf16 matmuls are only fast where the hardware has
/// bf16 matrix units (CUDA GPUs; x86 CPUs with AMX). A CPU with only AVX512-BF16 (e.g. AMD EPYC Zen 4) or none
/// runs libtorch's bf16 matmul slower than float32 (bench/README.md: 77 vs 130–143 GFLOP/s on such a CPU),
/// and every elementwise op then also pays for conversions, so float32 is the fast choice there.
/// </summary>
public static class ComputeDType
{
    private static readonly Lazy<bool> CpuHasAmx = new(() => CpuFlags().Contains("amx_bf16"));

    /// <summary>True when bf16 compute is faster than float32 on <paramref name="device"/> (CPU when null).</summary>
    public static bool Bf16IsFast(Device? device = null) =>
        device?.type == DeviceType.CUDA || (device is null || device.type == DeviceType.CPU) && CpuHasAmx.Value;

    /// <summary>bfloat16 where it is fast (<see cref="Bf16IsFast"/>), else float32.</summary>
    public static ScalarType Fastest(Device? device = null) => Bf16IsFast(device) ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>The CPU's feature flags (the first "flags" line of /proc/cpuinfo; empty where there is none).</summary>
    public static IReadOnlySet<string> CpuFlags()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return new HashSet<string>();
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? new HashSet<string>() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        }
        catch (IOException)
        {
            return new HashSet<string>();
        }
    }
}
