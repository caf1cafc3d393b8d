using System.Diagnostics;
using System.Text.Json;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// Decides whether bfloat16 or float32 is the faster dtype on this CPU — by measuring, because the CPU flags do not
/// tell: on one AMD EPYC with only avx512_bf16 libtorch's bf16 matmul ran 1.7× slower than float32, on another
/// (also avx512_bf16, no AMX) about 6× faster. AMX decides without a measurement. Otherwise the first call times
/// matmuls of an embedding model's shapes in both dtypes, interleaved (best of several, so load from other jobs falls
/// on both), picks bfloat16 only when it is at least <see cref="RequiredSpeedup"/>× faster (a coin flip near 1× would
/// make runs on one machine differ), and caches the decision per machine so every later process agrees.
/// <see cref="OverrideVariable"/> (<c>float32</c> or <c>bfloat16</c>) wins over all of it.
/// </summary>
public static class CpuDTypeProbe
{
    public const string OverrideVariable = "LLMEMBED_CPU_DTYPE";
    public const double RequiredSpeedup = 1.25;

    private static readonly Lazy<CpuDTypeChoice> Choice =
        new(() => Decide(CacheFile(), ComputeDevice.ReadCpuFlags(), Environment.GetEnvironmentVariable(OverrideVariable)));

    /// <summary>The decision for this process (probed or read once).</summary>
    public static CpuDTypeChoice Current => Choice.Value;

    /// <summary>Where the per-machine decision is kept: <c>$XDG_CACHE_HOME/llm-embed/cpu-dtype.json</c> (or <c>~/.cache/…</c>).</summary>
    public static string CacheFile()
    {
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "llm-embed", "cpu-dtype.json");
    }

    /// <summary>The decision given the override (the variable's value), the flags, and a cache file (read, else measured and written).</summary>
    public static CpuDTypeChoice Decide(string cacheFile, IReadOnlySet<string> flags, string? overrideValue)
    {
        if (overrideValue is { Length: > 0 } forced)
        {
            string name = ComputeDevice.NormalizeDType(forced);
            if (name == "auto") throw new ArgumentException($"{OverrideVariable}={forced}: name float32 or bfloat16");
            return new CpuDTypeChoice(name == "bfloat16", "override", double.NaN, double.NaN);
        }
        if (ComputeDevice.CpuHasAmx(flags)) return new CpuDTypeChoice(true, "amx", double.NaN, double.NaN);
        string key = MachineKey(flags);
        if (ReadCache(cacheFile, key) is { } cached) return cached with { Source = "cached" };
        var (bf16, fp32) = Measure();
        var choice = new CpuDTypeChoice(bf16 >= RequiredSpeedup * fp32, "measured", bf16, fp32);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            AtomicFile.WriteAllText(cacheFile, JsonSerializer.Serialize(new CacheEntry(key, choice.BFloat16, bf16, fp32)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only home only costs the next process another measurement.
        }
        return choice;
    }

    /// <summary>
    /// Best-of-5 GFLOP/s of bf16 and fp32 matmuls at two shapes an embedding model runs (a small model's projection
    /// and a 1024-wide one), interleaved; about a second on a 2-core machine.
    /// </summary>
    public static (double BFloat16Gflops, double Float32Gflops) Measure(int repeats = 5)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(1234);
        (long M, long K, long N)[] shapes = [(1024, 256, 768), (1024, 1024, 1024)];
        double flops = shapes.Sum(s => 2.0 * s.M * s.K * s.N);
        var inputs = new Dictionary<ScalarType, (Tensor A, Tensor B)[]>();
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float32 })
            inputs[dtype] = shapes.Select(s => (randn([s.M, s.K], generator: generator).to(dtype), randn([s.K, s.N], generator: generator).to(dtype))).ToArray();
        double Time(ScalarType dtype)
        {
            var watch = Stopwatch.StartNew();
            foreach (var (a, b) in inputs[dtype]) matmul(a, b).Dispose();
            return watch.Elapsed.TotalSeconds;
        }
        Time(ScalarType.BFloat16);
        Time(ScalarType.Float32);
        double bestBf16 = double.PositiveInfinity, bestFp32 = double.PositiveInfinity;
        for (int r = 0; r < repeats; r++)
        {
            bestBf16 = Math.Min(bestBf16, Time(ScalarType.BFloat16));
            bestFp32 = Math.Min(bestFp32, Time(ScalarType.Float32));
        }
        return (flops / bestBf16 / 1e9, flops / bestFp32 / 1e9);
    }

    /// <summary>CPU model and flags, libtorch version and thread count: what the decision depends on.</summary>
    private static string MachineKey(IReadOnlySet<string> flags)
    {
        string model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        return $"{model} | {string.Join(' ', flags.Order(StringComparer.Ordinal))} | torch {__version__} | threads {get_num_threads()}";
    }

    private static CpuDTypeChoice? ReadCache(string path, string key)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var entry = JsonSerializer.Deserialize<CacheEntry>(File.ReadAllText(path));
            return entry is not null && entry.Key == key ? new CpuDTypeChoice(entry.BFloat16, "cached", entry.BFloat16Gflops, entry.Float32Gflops) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // a damaged cache is measured again and rewritten
        }
    }

    private sealed record CacheEntry(string Key, bool BFloat16, double BFloat16Gflops, double Float32Gflops);
}
