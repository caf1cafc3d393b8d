using LlmEmbed.Cli;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Support;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Redesign;

/// <summary>Issue #10: device and dtype resolution, the reference's design-2 pooler, and the CLI's error policy.</summary>
public class DeviceAndErrorTests
{
    [Fact]
    public void DTypeNamesAndCpuFlagsAreRead()
    {
        using var dir = TestPaths.NewTempDir();
        File.WriteAllText(dir.File("epyc"), "processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n");
        File.WriteAllText(dir.File("sapphire"), "processor\t: 0\nflags\t\t: fpu avx512_bf16 amx_bf16 amx_tile amx_int8\n");
        Assert.False(ComputeDevice.CpuHasAmx(ComputeDevice.ReadCpuFlags(dir.File("epyc"))));
        Assert.True(ComputeDevice.CpuHasAmx(ComputeDevice.ReadCpuFlags(dir.File("sapphire"))));
        Assert.Empty(ComputeDevice.ReadCpuFlags(dir.File("missing")));

        // The test assembly pins auto to float32 (CpuDTypeProbe.OverrideVariable); CpuDTypeProbeTests test the probe.
        Assert.Equal(ScalarType.Float32, ComputeDevice.ParseDType("auto"));
        Assert.Equal(ScalarType.BFloat16, ComputeDevice.ParseDType("bf16"));
        Assert.Equal(ScalarType.Float32, ComputeDevice.ParseDType("float32"));
        Assert.Contains("float16", Assert.Throws<ArgumentException>(() => ComputeDevice.ParseDType("float16")).Message);
        Assert.Equal("auto", new LlmEmbed.Embedding.EmbeddingModelConfig().DType);
    }

    [Fact]
    public void CudaWithoutACudaLibTorchIsAClearError()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, ComputeDevice.Parse(null).type);
        Assert.Equal(TorchSharp.DeviceType.CPU, ComputeDevice.Parse("cpu").type);
        Assert.Contains("'tpu'", Assert.Throws<ArgumentException>(() => ComputeDevice.Parse("tpu")).Message);
        if (cuda.is_available())
        {
            Assert.Equal(TorchSharp.DeviceType.CUDA, ComputeDevice.Parse("cuda:0").type);
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => ComputeDevice.Parse("cuda:1"));
        Assert.Contains("LibTorchPackage", e.Message);
        var config = new LlmEmbed.Embedding.EmbeddingModelConfig { Device = "cuda" };
        Assert.Throws<ArgumentException>(() => config.ScalarType);
    }

    [Fact]
    public void TheReferenceDesign2PoolerSeesExactlyOnePositionPerText()
    {
        using var pooler = new LatentAttentionPooler(8, LatentAttentionOrientation.LatentsQuery, 4, 2, 4, 2, seed: 5, PoolerInput.Eos);
        var g = new Generator(9);
        using var h = randn([3, 5, 8], generator: g);
        // Right-padded rows of 5, 3 and 1 real tokens: the EOS positions are 4, 2 and 0.
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0 }).view(3, 5);
        int[] eos = [4, 2, 0];
        using var pooled = pooler.Pool([h], mask);

        // The block given only the EOS states, one position per text, gives the same result...
        using var eosStates = stack(eos.Select((p, i) => h[i, p]).ToArray()).unsqueeze(1);
        using var single = pooler.Pool([eosStates], ones(3, 1, dtype: ScalarType.Int64));
        Assert.True(pooled.allclose(single, rtol: 0, atol: 1e-6));
        // ...and no other position (nor an instruction mask) can change it.
        using var scrambled = h.clone();
        for (int i = 0; i < 3; i++)
            for (int t = 0; t < 5; t++)
                if (t != eos[i]) scrambled[i, t] = randn([8], generator: g);
        using var excluded = tensor(new long[] { 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0 }).view(3, 5);
        Assert.True(pooled.allclose(pooler.Pool([scrambled], mask, excluded), rtol: 0, atol: 1e-6));
        // The all-tokens latent pooler, by contrast, does depend on the other positions.
        using var all = new LatentAttentionPooler(8, LatentAttentionOrientation.LatentsQuery, 4, 2, 4, 2, seed: 5);
        Assert.False(all.Pool([h], mask).allclose(all.Pool([scrambled], mask), rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void InternalErrorsExitWith1AndInputErrorsWith2()
    {
        Assert.Equal(CliRunner.InternalError, CliRunner.Run(() => throw new InvalidOperationException("a bug")));
        Assert.Equal(CliRunner.InternalError, CliRunner.Run(() => throw new NullReferenceException()));
        Assert.Equal(CliRunner.InputError, CliRunner.Run(() => throw new InvalidDataException("bad file")));
        Assert.Equal(CliRunner.InputError, CliRunner.Run(() => throw new ArgumentException("bad option")));
        Assert.Equal(1, CliRunner.InternalError);
    }

    [Fact]
    public void CompareSkipsJsonFilesThatAreNotTaskResults()
    {
        using var dir = TestPaths.NewTempDir();
        var result = new LlmEmbed.Evaluation.Results.TaskResult("STS12", "sha256:x",
            new Dictionary<string, IReadOnlyList<LlmEmbed.Evaluation.Results.SplitScores>>
            {
                ["test"] = [new LlmEmbed.Evaluation.Results.SplitScores(0.5, new Dictionary<string, double> { ["cosine_spearman"] = 0.5 })],
            }, 1, "m", "sts", "s2s", 10, []);
        result.Save(dir.Path);
        File.WriteAllText(dir.File("notes.json"), "{\"not\": \"a result\"}");
        var scores = LlmEmbed.Experiments.ResultFolders.ReadScores([dir.Path]);
        Assert.Equal("STS12", Assert.Single(scores).Task);
    }
}
