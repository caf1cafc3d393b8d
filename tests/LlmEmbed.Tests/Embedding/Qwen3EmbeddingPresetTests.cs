using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Models;
using LlmEmbed.Tests.Support;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Embedding;

/// <summary>
/// The <c>qwen3-embedding</c> preset: Qwen3-Embedding's conventions on a Qwen3 backbone — the last real token's state
/// (causal) over left-padded batches, <c>Instruct: {task}\nQuery:{query}</c> on queries only, documents plain.
/// </summary>
public class Qwen3EmbeddingPresetTests
{
    private const string Task = "Given a web search query, retrieve relevant passages that answer the query";

    private static EmbeddingModel NewModel() => EmbeddingModel.Create(
        EmbeddingPresets.Get("qwen3-embedding") with { MaxLength = 256, DType = "float32", Lora = new LoraOptions { Enabled = false } },
        TinyModels.Create(TinyModels.Qwen3, seed: 11), new CharTokenizer());

    private static readonly EmbeddingInput[] Inputs =
    [
        new("what is the capital of france", Task, TextRole.Query),
        new("paris", Task, TextRole.Document),
        new("a much longer document about the city of paris, its river and its history", Task, TextRole.Document),
        new("x", Task, TextRole.Query),
    ];

    private static float[] Normalized(Tensor row)
    {
        using var n = nn.functional.normalize(row.to(ScalarType.Float32).unsqueeze(0), p: 2, dim: 1);
        return TinyModels.Floats(n);
    }

    private static double MaxDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
    }

    [Fact]
    public void PresetIsLastTokenCausalLeftPaddedWithQwen3sQueryFormat()
    {
        var config = EmbeddingPresets.Get("qwen3-embedding");
        Assert.Contains("qwen3-embedding", EmbeddingPresets.Names);
        Assert.Equal(PoolerKind.Eos, config.Pooler.Kind);
        Assert.Equal(AttentionMode.Causal, config.Attention);
        Assert.Equal(PaddingSide.Left, config.PaddingSide);
        Assert.Equal($"Instruct: {Task}\nQuery:what is it", config.Instruction.Format(Task, "what is it"));  // no space after "Query:"
        // Other presets keep the library default (right padding, E5-Mistral's template with a space).
        var other = EmbeddingPresets.Get("eos-causal");
        Assert.Equal(PaddingSide.Right, other.PaddingSide);
        Assert.Equal("Instruct: t\nQuery: q", other.Instruction.Format("t", "q"));
        // A recipe that names only the preset (as a training YAML or embedding_config.json does) gets all of it.
        var resolved = new EmbeddingModelConfig { Preset = "qwen3-embedding" }.Resolve();
        Assert.Equal(config.Instruction, resolved.Instruction);
        Assert.Equal(PaddingSide.Left, resolved.PaddingSide);
    }

    [Fact]
    public void QueriesGetTheInstructionAndDocumentsDoNot()
    {
        using var model = NewModel();
        var tok = new CharTokenizer();
        var query = model.Tokenize(Inputs[0]);
        int[] expectedQuery = [.. tok.Encode($"Instruct: {Task}\nQuery:", addSpecialTokens: true), .. tok.Encode(Inputs[0].Text, addSpecialTokens: false), tok.EosId!.Value];
        Assert.Equal(expectedQuery, query.Ids);
        var document = model.Tokenize(Inputs[1]);
        int[] expectedDocument = [.. tok.Encode("paris", addSpecialTokens: true), tok.EosId!.Value];
        Assert.Equal(expectedDocument, document.Ids);
        Assert.Equal(0, document.InstructionLength);
    }

    [Fact]
    public void PooledVectorIsTheLastRealTokensStateUnderLeftPaddingAndEqualsTheTextAlone()
    {
        using var model = NewModel();
        using var _ = no_grad();
        var tokenized = Inputs.Select(i => model.Tokenize(i)).ToList();
        using var batch = model.Collate(tokenized);
        long t = batch.InputIds.shape[1];
        var mask = batch.AttentionMask.data<long>().ToArray();
        var ids = batch.InputIds.data<long>().ToArray();
        for (int i = 0; i < tokenized.Count; i++)
        {
            int pad = (int)t - tokenized[i].Ids.Count;
            // Left padding: padding first, the real tokens flush right, the last column is each text's EOS.
            for (int j = 0; j < t; j++) Assert.Equal(j >= pad ? 1 : 0, mask[i * t + j]);
            Assert.Equal(2, ids[i * t + t - 1]);
        }
        Assert.True(t - tokenized[1].Ids.Count > 10, "the short document is padded");

        // One forward pass over the left-padded batch: the vector is the last column's final state, normalised.
        var encoded = model.Encode(Inputs, new EncodeOptions { BatchSize = 8 });
        using var output = model.Backbone.Forward(batch.InputIds, batch.AttentionMask, AttentionMode.Causal);
        for (int i = 0; i < Inputs.Length; i++)
        {
            using var lastColumn = output.LastHiddenState[i, t - 1];
            Assert.True(MaxDiff(Normalized(lastColumn), encoded[i]) <= 1e-6, $"input {i}: not the last column's state");
            // ... which is the state of the text's last real token computed alone, without padding.
            using var alone = tensor(tokenized[i].Ids.Select(x => (long)x).ToArray()).unsqueeze(0);
            using var single = model.Backbone.Forward(alone, null, AttentionMode.Causal);
            using var lastToken = single.LastHiddenState[0, tokenized[i].Ids.Count - 1];
            double d = MaxDiff(Normalized(lastToken), encoded[i]);
            Assert.True(d <= 1e-5, $"input {i}: padded batch vs text alone differ by {d}");
            Assert.True(MaxDiff(model.Encode([Inputs[i]])[0], encoded[i]) <= 1e-5, $"input {i}: batch vs single Encode");
        }
        // Not the state of any other position: the second-to-last token's state is a different vector.
        using var previous = output.LastHiddenState[0, t - 2];
        Assert.True(MaxDiff(Normalized(previous), encoded[0]) > 1e-3);
        // And the query's instruction changes its vector (the prompt is really applied).
        var bare = model.Encode([new EmbeddingInput(Inputs[0].Text, null, TextRole.Query)])[0];
        Assert.True(MaxDiff(bare, encoded[0]) > 1e-3);
    }

    [Fact]
    public void AContradictingTemplateOrPaddingSideIsRefused()
    {
        var preset = EmbeddingPresets.Get("qwen3-embedding");
        var template = Assert.Throws<InvalidDataException>(() =>
            (preset with { Instruction = new InstructionOptions { Template = "query: {text}" } }).Validate("train.yaml"));
        Assert.Contains("train.yaml: instruction: template 'query: {text}'", template.Message);
        Assert.Contains("contradicts preset 'qwen3-embedding' (template 'Instruct: {instruction}\\nQuery:{text}')", template.Message);
        var side = Assert.Throws<InvalidDataException>(() => (preset with { PaddingSideSetting = PaddingSide.Right }).Validate("train.yaml"));
        Assert.Contains("padding_side: 'right' contradicts preset 'qwen3-embedding' (padding side left)", side.Message);
    }

    [Fact]
    public void SavedFolderKeepsTheConventionsAndTheQwen3Backbone()
    {
        using var dir = TestPaths.NewTempDir();
        using var model = NewModel();
        var before = model.Encode(Inputs);
        model.Save(dir.Path, bundleBase: true);
        string json = File.ReadAllText(dir.File(EmbeddingModelConfig.FileName));
        Assert.Contains("\"padding_side\": \"left\"", json);
        Assert.Contains("Query:{text}", json);
        var backbone = DecoderConfig.Load(Path.Combine(dir.Path, EmbeddingModel.BundledBaseFolder));
        Assert.Equal("qwen3", backbone.ModelType);
        Assert.Equal(16, backbone.HeadDimRaw);
        Assert.Null(backbone.IsCausal);   // causal: no is_causal key
        using var loaded = EmbeddingModel.Load(dir.Path, new CharTokenizer());
        Assert.Equal(PaddingSide.Left, loaded.Config.PaddingSide);
        var after = loaded.Encode(Inputs);
        for (int i = 0; i < Inputs.Length; i++) Assert.Equal(0.0, MaxDiff(before[i], after[i]));
    }
}
