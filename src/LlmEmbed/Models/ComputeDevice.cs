using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// The one place where a <c>device</c> (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) and a <c>dtype</c> (<c>auto</c>,
/// <c>float32</c>, <c>bfloat16</c>) setting become a torch device and scalar type.
/// </summary>
public static class ComputeDevice
{
    /// <summary>The names <see cref="ParseDType"/> accepts.</summary>
    public static readonly IReadOnlyList<string> DTypeNames = ["auto", "float32", "bfloat16"];

    /// <summary>
    /// The torch device for <paramref name="name"/> (null or empty = cpu). CUDA with a CPU-only libtorch is an error that
    /// says how to build against a CUDA one (docs/architecture.md, "Device and dtype").
    /// </summary>
    public static Device Parse(string? name)
    {
        string value = string.IsNullOrWhiteSpace(name) ? "cpu" : name.Trim().ToLowerInvariant();
        if (value == "cpu") return CPU;
        if (value == "cuda" || (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value[5..], out int index) && index >= 0))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"device '{name}': this build has no usable CUDA (it links the CPU libtorch package, or no GPU is visible); " +
                    "build with -p:LibTorchPackage=libtorch-cuda-12.8-linux-x64 (see docs/architecture.md) or use device: cpu");
            var device = TorchSharp.torch.device(value);
            if (device.index >= cuda.device_count())
                throw new ArgumentException($"device '{name}': only {cuda.device_count()} CUDA device(s) are visible");
            return device;
        }
        throw new ArgumentException($"device '{name}' is not supported (cpu, cuda or cuda:N)");
    }

    /// <summary>Checks a dtype name (auto, float32, bfloat16; fp32/f32 and bf16 are accepted spellings).</summary>
    public static string NormalizeDType(string dtype) => dtype.Trim().ToLowerInvariant() switch
    {
        "auto" => "auto",
        "float32" or "fp32" or "f32" => "float32",
        "bfloat16" or "bf16" => "bfloat16",
        _ => throw new ArgumentException($"dtype '{dtype}' is not supported (auto, float32 or bfloat16)"),
    };

    /// <summary>
    /// The scalar type of <paramref name="dtype"/> on <paramref name="device"/>: <c>auto</c> is bfloat16 where the hardware
    /// computes it fast (CUDA; a CPU with AMX; another CPU where <see cref="CpuDTypeProbe"/> measured it faster) and
    /// float32 elsewhere.
    /// </summary>
    public static ScalarType ParseDType(string dtype, Device? device = null) => NormalizeDType(dtype) switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        _ => FastBFloat16(device ?? CPU) ? ScalarType.BFloat16 : ScalarType.Float32,
    };

    /// <summary>Whether bfloat16 matmuls are fast on <paramref name="device"/>: always on CUDA; on CPU as <see cref="CpuDTypeProbe"/> decides.</summary>
    public static bool FastBFloat16(Device device) => device.type == TorchSharp.DeviceType.CUDA || CpuDTypeProbe.Current.BFloat16;

    /// <summary>True when the <c>/proc/cpuinfo</c> flags include both <c>amx_bf16</c> and <c>amx_tile</c>.</summary>
    public static bool CpuHasAmx(IReadOnlySet<string> flags) => flags.Contains("amx_bf16") && flags.Contains("amx_tile");

    /// <summary>The CPU feature flags of the first processor in <c>/proc/cpuinfo</c> (empty where there is no such file).</summary>
    public static IReadOnlySet<string> ReadCpuFlags(string cpuinfo = "/proc/cpuinfo")
    {
        if (!File.Exists(cpuinfo)) return new HashSet<string>();
        foreach (var line in File.ReadLines(cpuinfo))
        {
            if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            return line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        }
        return new HashSet<string>();
    }
}
