using LlmEmbed.Checkpoints;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Models;

/// <summary>
/// Random tiny Qwen3 checkpoints (HF config.json + safetensors with Qwen3's tensor names) against a plain-PyTorch
/// re-implementation of HF's <c>modeling_qwen3</c> (<c>tools/generate_qwen3_reference.py</c>, float64, stored as
/// float32): every hidden state and the logits, causal and bidirectional, each sequence alone and inside left- and
/// right-padded batches, within 1e-4.
/// </summary>
public class Qwen3ReferenceTests
{
    private const double Tolerance = 1e-4;
    private static readonly string[] Modes = ["causal", "bidirectional"];

    public static IEnumerable<object[]> Cases() => [["tied-gqa"], ["untied-bias"]];

    private static string CaseDir(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "LlmEmbed.Tests", "Models", "Golden", "qwen3", name);

    private static AttentionMode Mode(string name) => name == "causal" ? AttentionMode.Causal : AttentionMode.Bidirectional;

    /// <summary>The golden tensors of a case: seq{k}.input_ids, seq{k}.{mode}.hidden.{l}, seq{k}.{mode}.logits.</summary>
    private sealed class Expected : IDisposable
    {
        public Expected(string name) => Tensors = SafeTensorsFile.Load(Path.Combine(CaseDir(name), "expected.safetensors"));
        public Dictionary<string, Tensor> Tensors { get; }
        public int Sequences => Tensors.Keys.Count(k => k.EndsWith(".input_ids"));
        public long[] Ids(int k) => Tensors[$"seq{k}.input_ids"].data<long>().ToArray();
        public void Dispose()
        {
            foreach (var t in Tensors.Values) t.Dispose();
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double diff = TinyModels.MaxAbsDiff(expected, actual);
        double scale = TinyModels.Floats(expected).Max(v => Math.Abs((double)v));
        Assert.True(diff <= Tolerance, $"{what}: max |diff| {diff:E2} > {Tolerance} (values up to {scale:F2})");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConfigHasTheQwen3ShapeAndEveryTensorLoads(string name)
    {
        var config = DecoderConfig.Load(CaseDir(name));
        Assert.Equal("qwen3", config.ModelType);
        Assert.True(config.QkNorm);
        Assert.NotEqual(config.HiddenSize, config.NumAttentionHeads * config.HeadDim); // head_dim is explicit, not hidden / heads
        using var model = DecoderModel.Load(CaseDir(name));
        var shapes = model.ExpectedTensors.ToDictionary(t => t.Name, t => t.Shape);
        long headDim = config.HeadDim, hidden = config.HiddenSize, queries = (long)config.NumAttentionHeads * config.HeadDim;
        Assert.Equal([headDim], shapes["model.layers.0.self_attn.q_norm.weight"]);
        Assert.Equal([headDim], shapes["model.layers.1.self_attn.k_norm.weight"]);
        Assert.Equal([queries, hidden], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([hidden, queries], shapes["model.layers.0.self_attn.o_proj.weight"]);
        Assert.Equal(config.QkvBias, shapes.ContainsKey("model.layers.0.self_attn.k_proj.bias"));
        Assert.Equal(config.OutputBias, shapes.ContainsKey("model.layers.0.self_attn.o_proj.bias"));
        Assert.Equal(!config.TieWordEmbeddings, shapes.ContainsKey("lm_head.weight"));
        Assert.Equal(shapes.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)), config.ParameterCount);
        if (name == "untied-bias")
        {
            Assert.True(config.QkvBias && config.OutputBias);            // attention_bias: q, k, v and o
            Assert.Equal(10000.0, config.EffectiveRopeTheta);             // from rope_parameters (transformers 5)
        }
        else
        {
            Assert.False(config.QkvBias || config.OutputBias);
            Assert.Equal(1_000_000.0, config.EffectiveRopeTheta);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachSequenceAloneMatchesThePyTorchReference(string name)
    {
        using var model = DecoderModel.Load(CaseDir(name));
        using var expected = new Expected(name);
        using var _ = no_grad();
        Assert.Equal(2, expected.Sequences);
        for (int k = 0; k < expected.Sequences; k++)
        {
            using var ids = tensor(expected.Ids(k)).unsqueeze(0);
            foreach (string mode in Modes)
            {
                using var output = model.Forward(ids, null, Mode(mode), computeLogits: true);
                Assert.Equal(model.NumLayers + 1, output.HiddenStates.Count);
                for (int l = 0; l < output.HiddenStates.Count; l++)
                    AssertClose(expected.Tensors[$"seq{k}.{mode}.hidden.{l}"], output.HiddenStates[l][0], $"{name} seq{k} {mode} hidden.{l}");
                AssertClose(expected.Tensors[$"seq{k}.{mode}.logits"], output.Logits![0], $"{name} seq{k} {mode} logits");
            }
        }
        // The golden modes really differ (so matching both is not one check done twice).
        Assert.True(TinyModels.MaxAbsDiff(expected.Tensors["seq0.causal.logits"], expected.Tensors["seq0.bidirectional.logits"]) > 1e-2);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PaddedBatchesMatchThePyTorchReference(string name)
    {
        using var model = DecoderModel.Load(CaseDir(name));
        using var expected = new Expected(name);
        using var _ = no_grad();
        var seqs = Enumerable.Range(0, expected.Sequences).Select(expected.Ids).ToArray();
        int t = seqs.Max(s => s.Length);
        foreach (bool left in new[] { true, false })
        {
            var ids = new long[seqs.Length * t];
            var mask = new long[seqs.Length * t];
            Array.Fill(ids, 0L);
            for (int i = 0; i < seqs.Length; i++)
            {
                int offset = left ? t - seqs[i].Length : 0;
                for (int j = 0; j < seqs[i].Length; j++) { ids[i * t + offset + j] = seqs[i][j]; mask[i * t + offset + j] = 1; }
            }
            using var input = tensor(ids).view(seqs.Length, t);
            using var m = tensor(mask).view(seqs.Length, t);
            foreach (string mode in Modes)
            {
                using var output = model.Forward(input, m, Mode(mode), computeLogits: true);
                for (int i = 0; i < seqs.Length; i++)
                {
                    int offset = left ? t - seqs[i].Length : 0;
                    string what = $"{name} seq{i} {mode} {(left ? "left" : "right")}-padded";
                    for (int l = 0; l < output.HiddenStates.Count; l++)
                        AssertClose(expected.Tensors[$"seq{i}.{mode}.hidden.{l}"], output.HiddenStates[l][i].narrow(0, offset, seqs[i].Length), $"{what} hidden.{l}");
                    AssertClose(expected.Tensors[$"seq{i}.{mode}.logits"], output.Logits![i].narrow(0, offset, seqs[i].Length), $"{what} logits");
                }
            }
        }
    }

    [Fact]
    public void WithoutTheQkNormTheModelNoLongerMatches()
    {
        // The q/k norms carry information (random weights around 1): a Qwen2-style forward of the same weights misses.
        using var model = DecoderModel.Load(CaseDir("tied-gqa"));
        using var expected = new Expected("tied-gqa");
        using var _ = no_grad();
        foreach (var (pname, p) in model.named_parameters())
            if (pname.EndsWith("q_norm.weight") || pname.EndsWith("k_norm.weight")) p.fill_(1.0);
        using var ids = tensor(expected.Ids(0)).unsqueeze(0);
        using var output = model.Forward(ids, null, AttentionMode.Causal, computeLogits: true);
        Assert.True(TinyModels.MaxAbsDiff(expected.Tensors["seq0.causal.logits"], output.Logits![0]) > 1e-2);
    }

    [Fact]
    public void SavedQwen3FolderRoundTripsWithItsKeys()
    {
        using var dir = TestPaths.NewTempDir();
        using var model = DecoderModel.Load(CaseDir("untied-bias"));
        model.Save(dir.Path);
        var names = SafeTensorsFile.ReadHeader(dir.File(CheckpointFolder.SingleFile)).Tensors.Select(t => t.Name).ToHashSet();
        var original = SafeTensorsFile.ReadHeader(Path.Combine(CaseDir("untied-bias"), CheckpointFolder.SingleFile)).Tensors.Select(t => t.Name).ToHashSet();
        Assert.Equal(original.Order(), names.Order());
        var saved = DecoderConfig.Load(dir.Path);
        Assert.Equal(12, saved.HeadDimRaw);
        Assert.Equal(10000.0, saved.EffectiveRopeTheta);
        Assert.False(saved.UseSlidingWindow);
        using var reloaded = DecoderModel.Load(dir.Path);
        using var _ = no_grad();
        using var ids = tensor(new long[] { 3, 1, 4, 1, 5 }).unsqueeze(0);
        using var a = model.Forward(ids, null, AttentionMode.Bidirectional, computeLogits: true);
        using var b = reloaded.Forward(ids, null, AttentionMode.Bidirectional, computeLogits: true);
        Assert.Equal(0.0, TinyModels.MaxAbsDiff(a.Logits!, b.Logits!));
    }
}
