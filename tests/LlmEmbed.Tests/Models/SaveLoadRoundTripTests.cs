using TorchSharp;
using LlmEmbed.Checkpoints;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>Random tiny models of each family survive Save → Load bit for bit, in single-file and sharded layouts.</summary>
public class SaveLoadRoundTripTests
{
    public static IEnumerable<object[]> Families() => [["qwen2"], ["qwen3"], ["mistral"], ["llama"]];

    private static DecoderConfig Config(string family) => family switch
    {
        "qwen2" => TinyModels.Qwen2,
        "qwen3" => TinyModels.Qwen3,
        "mistral" => TinyModels.Mistral,
        _ => TinyModels.Llama,
    };

    private static float[] Logits(DecoderModel model, AttentionMode mode)
    {
        using var _ = no_grad();
        using var ids = tensor(TinyModels.RandomIds(12, 97, 21)).unsqueeze(0);
        using var output = model.Forward(ids, null, mode, computeLogits: true);
        return TinyModels.Floats(output.Logits!);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void SavedAndReloadedModelGivesIdenticalOutputs(string family)
    {
        using var dir = TestPaths.NewTempDir();
        using var model = TinyModels.Create(Config(family), seed: 7);
        model.Save(dir.Path);
        Assert.True(File.Exists(dir.File(CheckpointFolder.SingleFile)));
        using var loaded = DecoderModel.Load(dir.Path);
        Assert.Equal(model.Config.ModelType, loaded.Config.ModelType);
        Assert.Equal(model.Config.NumKeyValueHeads, loaded.Config.NumKeyValueHeads);
        Assert.Equal(model.Config.QkvBias, loaded.Config.QkvBias);
        Assert.Equal(model.Config.TieWordEmbeddings, loaded.Config.TieWordEmbeddings);
        foreach (var mode in new[] { AttentionMode.Causal, AttentionMode.Bidirectional })
            Assert.Equal(Logits(model, mode), Logits(loaded, mode));
    }

    [Fact]
    public void Qwen2HasBiasesAndMistralAnLmHead()
    {
        using var qwen = TinyModels.Create(TinyModels.Qwen2, seed: 1);
        var names = qwen.ExpectedTensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([32L], names["model.layers.0.self_attn.q_proj.bias"]);
        Assert.Equal([16L], names["model.layers.0.self_attn.k_proj.bias"]); // 2 KV heads × head dim 8
        Assert.Equal([16L, 32L], names["model.layers.1.self_attn.v_proj.weight"]);
        Assert.DoesNotContain("lm_head.weight", names.Keys);
        using var mistral = TinyModels.Create(TinyModels.Mistral, seed: 1);
        var m = mistral.ExpectedTensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([97L, 32L], m["lm_head.weight"]);
        Assert.Equal([8L, 32L], m["model.layers.2.self_attn.k_proj.weight"]); // 1 KV head
        Assert.DoesNotContain(m.Keys, k => k.EndsWith(".bias"));
        Assert.Equal(m.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), TinyModels.Mistral.ParameterCount);
        Assert.Equal(names.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), TinyModels.Qwen2.ParameterCount);
    }

    [Fact]
    public void ShardedAndSingleFileLoadTheSame()
    {
        using var single = TestPaths.NewTempDir();
        using var sharded = TestPaths.NewTempDir();
        using var model = TinyModels.Create(TinyModels.Mistral, seed: 9);
        model.Save(single.Path);
        model.Save(sharded.Path, maxShardBytes: 20_000);
        Assert.False(File.Exists(sharded.File(CheckpointFolder.SingleFile)));
        Assert.True(File.Exists(sharded.File(CheckpointFolder.IndexFile)));
        int shards = Directory.GetFiles(sharded.Path, "model-*-of-*.safetensors").Length;
        Assert.True(shards >= 3, $"expected several shards, got {shards}");
        var a = CheckpointFolder.Load(single.Path);
        var b = CheckpointFolder.Load(sharded.Path);
        try
        {
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, t) in a) Assert.True(t.allclose(b[name], rtol: 0, atol: 0), $"tensor '{name}' differs between layouts");
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
        using var m1 = DecoderModel.Load(single.Path);
        using var m2 = DecoderModel.Load(sharded.Path);
        Assert.Equal(Logits(m1, AttentionMode.Causal), Logits(m2, AttentionMode.Causal));
        // Saving the single layout over the sharded folder removes the shards, so the folder stays unambiguous.
        model.Save(sharded.Path);
        Assert.Empty(Directory.GetFiles(sharded.Path, "model-*-of-*.safetensors"));
        Assert.False(File.Exists(sharded.File(CheckpointFolder.IndexFile)));
    }

    [Fact]
    public void BFloat16SaveKeepsTheDType()
    {
        using var dir = TestPaths.NewTempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2, seed: 2);
        model.to(ScalarType.BFloat16);
        model.Save(dir.Path);
        Assert.All(SafeTensorsFile.ReadHeader(dir.File(CheckpointFolder.SingleFile)).Tensors, t => Assert.Equal(ScalarType.BFloat16, t.DType));
        using var loaded = DecoderModel.Load(dir.Path);
        Assert.Equal(ScalarType.BFloat16, loaded.DType);
        Assert.Equal("bfloat16", loaded.Config.TorchDtype);
        Assert.Equal(Logits(model, AttentionMode.Causal), Logits(loaded, AttentionMode.Causal));
    }
}
