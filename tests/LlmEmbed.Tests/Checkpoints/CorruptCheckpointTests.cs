using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using LlmEmbed.Checkpoints;
using LlmEmbed.Models;
using LlmEmbed.Tests.Models;
using LlmEmbed.Tests.Support;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Checkpoints;

/// <summary>Each way a checkpoint can be broken gives its documented error (docs/checkpoints.md), naming the file and the tensor.</summary>
public class CorruptCheckpointTests
{
    /// <summary>Writes a safetensors file by hand: the header exactly as given, then <paramref name="dataBytes"/> zero bytes.</summary>
    private static void WriteRaw(string path, JsonObject header, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    private static JsonObject Entry(string dtype, long[] shape, long begin, long end) => new()
    {
        ["dtype"] = dtype,
        ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
        ["data_offsets"] = new JsonArray(begin, end),
    };

    private static InvalidDataException Fails(string path) => Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Load(path));

    [Fact]
    public void ValidHandWrittenFileLoads()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("ok.safetensors");
        WriteRaw(path, new JsonObject { ["a"] = Entry("F32", [2, 3], 0, 24), ["b"] = Entry("I64", [2], 24, 40) }, 40);
        var t = SafeTensorsFile.Load(path);
        Assert.Equal([2L, 3L], t["a"].shape);
        Assert.Equal(ScalarType.Int64, t["b"].dtype);
        foreach (var x in t.Values) x.Dispose();
    }

    [Fact]
    public void TruncatedData()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("cut.safetensors");
        WriteRaw(path, new JsonObject { ["a"] = Entry("F32", [2, 3], 0, 24), ["layer.w"] = Entry("F32", [4], 24, 40) }, 30);
        var e = Fails(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("tensor 'layer.w'", e.Message);
        Assert.Contains("outside the data area of 30 bytes (truncated file?)", e.Message);
    }

    [Fact]
    public void HeaderLongerThanFile()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("short.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);
        var e = Fails(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("header length 1000 runs past the end of the file (64 bytes)", e.Message);
        File.WriteAllBytes(path, new byte[5]);
        Assert.Contains("too short for a safetensors header", Fails(path).Message);
    }

    [Fact]
    public void OverlappingOffsets()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("overlap.safetensors");
        WriteRaw(path, new JsonObject { ["first"] = Entry("F32", [4], 0, 16), ["second"] = Entry("F32", [4], 8, 24) }, 24);
        var e = Fails(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("tensors 'first' and 'second' overlap in the data area", e.Message);
    }

    [Fact]
    public void UnknownDType()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("dtype.safetensors");
        WriteRaw(path, new JsonObject { ["weird"] = Entry("F8_E4M3", [4], 0, 4) }, 4);
        var e = Fails(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("tensor 'weird': unknown dtype 'F8_E4M3'", e.Message);
    }

    [Fact]
    public void ShapeThatDisagreesWithTheByteSpan()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("span.safetensors");
        WriteRaw(path, new JsonObject { ["w"] = Entry("F32", [3, 3], 0, 32) }, 32);
        var e = Fails(path);
        Assert.Contains(path, e.Message);
        Assert.Contains("tensor 'w': shape [3, 3] × F32 is 36 bytes but data_offsets span 32", e.Message);
    }

    /// <summary>A valid tiny model folder whose weights are then edited by <paramref name="edit"/>.</summary>
    private static InvalidDataException LoadEdited(TempDir dir, Action<Dictionary<string, Tensor>> edit)
    {
        using (var model = TinyModels.Create(TinyModels.Llama, seed: 4)) model.Save(dir.Path);
        var tensors = CheckpointFolder.Load(dir.Path);
        edit(tensors);
        CheckpointFolder.Save(dir.Path, tensors);
        foreach (var t in tensors.Values) t.Dispose();
        return Assert.Throws<InvalidDataException>(() => DecoderModel.Load(dir.Path));
    }

    [Fact]
    public void WrongShapeForTheConfig()
    {
        using var dir = TestPaths.NewTempDir();
        var e = LoadEdited(dir, t =>
        {
            t["model.layers.1.mlp.up_proj.weight"].Dispose();
            t["model.layers.1.mlp.up_proj.weight"] = zeros(40, 32);
        });
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("tensor 'model.layers.1.mlp.up_proj.weight' has shape [40, 32], expected [48, 32]", e.Message);
    }

    [Fact]
    public void MissingTensor()
    {
        using var dir = TestPaths.NewTempDir();
        var e = LoadEdited(dir, t =>
        {
            t["model.norm.weight"].Dispose();
            t.Remove("model.norm.weight");
        });
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("missing tensor 'model.norm.weight' (expected shape [32])", e.Message);
    }

    [Fact]
    public void UnexpectedTensor()
    {
        using var dir = TestPaths.NewTempDir();
        var e = LoadEdited(dir, t => t["model.layers.0.self_attn.q_proj.bias"] = zeros(32));
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("unexpected tensor 'model.layers.0.self_attn.q_proj.bias'", e.Message);
    }

    [Fact]
    public void ShardIndexPointingAtTheWrongShard()
    {
        using var dir = TestPaths.NewTempDir();
        using (var model = TinyModels.Create(TinyModels.Llama, seed: 4)) model.Save(dir.Path, maxShardBytes: 10_000);
        string index = dir.File(CheckpointFolder.IndexFile);
        var root = JsonNode.Parse(File.ReadAllText(index))!.AsObject();
        var map = root["weight_map"]!.AsObject();
        string last = map.Select(kv => kv.Value!.GetValue<string>()).Max()!;
        string first = map.Select(kv => kv.Value!.GetValue<string>()).Min()!;
        string moved = map.First(kv => kv.Value!.GetValue<string>() == last).Key;
        map[moved] = first;
        File.WriteAllText(index, root.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => CheckpointFolder.Load(dir.Path));
        Assert.Contains($"tensor '{moved}'", e.Message);
        Assert.Contains(index, e.Message);
    }
}
