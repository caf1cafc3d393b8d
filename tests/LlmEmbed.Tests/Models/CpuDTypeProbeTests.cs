using LlmEmbed.Models;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Models;

/// <summary>
/// <c>dtype: auto</c> on a CPU: decided by measurement (the flags do not tell which dtype is faster), cached per
/// machine, overridable; AMX decides without measuring.
/// </summary>
public class CpuDTypeProbeTests
{
    private static readonly IReadOnlySet<string> NoAmx = new HashSet<string> { "avx512f", "avx512_bf16" };

    [Fact]
    public void MeasuresOnceThenReusesTheDecisionOfThisMachine()
    {
        using var dir = TestPaths.NewTempDir();
        string cache = dir.File("cache/cpu-dtype.json");
        var measured = CpuDTypeProbe.Decide(cache, NoAmx, null);
        Assert.Equal("measured", measured.Source);
        Assert.True(measured.BFloat16Gflops > 0 && measured.Float32Gflops > 0, measured.ToString());
        Assert.Equal(measured.BFloat16Gflops >= CpuDTypeProbe.RequiredSpeedup * measured.Float32Gflops, measured.BFloat16);
        Assert.True(File.Exists(cache));

        var again = CpuDTypeProbe.Decide(cache, NoAmx, null);
        Assert.Equal("cached", again.Source);
        Assert.Equal(measured.BFloat16, again.BFloat16);
        Assert.Equal(measured.BFloat16Gflops, again.BFloat16Gflops);

        // Another machine (other flags) does not reuse it; a damaged cache is measured again and rewritten.
        Assert.Equal("measured", CpuDTypeProbe.Decide(cache, new HashSet<string> { "sse2" }, null).Source);
        File.WriteAllText(cache, "{not json");
        Assert.Equal("measured", CpuDTypeProbe.Decide(cache, NoAmx, null).Source);
        Assert.Equal("cached", CpuDTypeProbe.Decide(cache, NoAmx, null).Source);
    }

    [Fact]
    public void AmxAndTheOverrideDecideWithoutMeasuring()
    {
        using var dir = TestPaths.NewTempDir();
        string cache = dir.File("cpu-dtype.json");
        var amx = CpuDTypeProbe.Decide(cache, new HashSet<string> { "amx_bf16", "amx_tile" }, null);
        Assert.True(amx.BFloat16);
        Assert.Equal("amx", amx.Source);
        Assert.False(File.Exists(cache));

        Assert.True(CpuDTypeProbe.Decide(cache, NoAmx, "bf16").BFloat16);
        Assert.False(CpuDTypeProbe.Decide(cache, new HashSet<string> { "amx_bf16", "amx_tile" }, "float32").BFloat16);
        Assert.Equal("override", CpuDTypeProbe.Decide(cache, NoAmx, "float32").Source);
        Assert.Contains("float16", Assert.Throws<ArgumentException>(() => CpuDTypeProbe.Decide(cache, NoAmx, "float16")).Message);
        Assert.Contains(CpuDTypeProbe.OverrideVariable, Assert.Throws<ArgumentException>(() => CpuDTypeProbe.Decide(cache, NoAmx, "auto")).Message);
        Assert.False(File.Exists(cache));
    }
}
