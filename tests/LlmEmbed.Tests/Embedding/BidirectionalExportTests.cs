using System.Text.Json.Nodes;
using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Tests.Models;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Embedding;

/// <summary>
/// The config.json written for a model's backbone says how the weights are meant to run: <c>"is_causal": false</c>
/// for a bidirectional model (the key recent Hugging Face releases read), no key for a causal one.
/// </summary>
public class BidirectionalExportTests
{
    private static readonly string[] Texts = ["first text", "a second, longer text"];

    private static JsonObject BackboneConfig(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, EmbeddingModel.BundledBaseFolder, "config.json")))!.AsObject();

    private static EmbeddingModel NewModel(string preset) => EmbeddingModel.Create(
        EmbeddingPresets.Get(preset) with { MaxLength = 32, DType = "float32", Lora = new LoraOptions { Rank = 4, Alpha = 8, Seed = 2 } },
        TinyModels.Create(TinyModels.Qwen3, seed: 4), new CharTokenizer());

    [Theory]
    [InlineData("mean-bidirectional", false)]
    [InlineData("eos-bidirectional", false)]
    [InlineData("eos-causal", true)]
    [InlineData("qwen3-embedding", true)]
    public void BundledBackboneConfigCarriesIsCausalFalseExactlyForBidirectionalModels(string preset, bool causal)
    {
        using var dir = TestPaths.NewTempDir();
        using var model = NewModel(preset);
        EmbeddingModelTests.RandomizeLoraB(model, 5);
        var before = model.Encode(Texts);
        model.Save(dir.Path, bundleBase: true);
        var json = BackboneConfig(dir.Path);
        if (causal) Assert.False(json.ContainsKey("is_causal"));
        else Assert.False(json["is_causal"]!.GetValue<bool>());
        Assert.Equal("qwen3", (string?)json["model_type"]);
        // The folder still loads and encodes exactly as before.
        using var loaded = EmbeddingModel.Load(dir.Path, new CharTokenizer());
        Assert.Equal(model.Attention, loaded.Attention);
        var after = loaded.Encode(Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void MergedBidirectionalExportCarriesIsCausalFalse()
    {
        using var dir = TestPaths.NewTempDir();
        using var model = NewModel("mean-bidirectional");
        EmbeddingModelTests.RandomizeLoraB(model, 6);
        model.MergeLora();
        model.Save(dir.Path);   // merged weights are always bundled: base/ is the exported model
        Assert.False(BackboneConfig(dir.Path)["is_causal"]!.GetValue<bool>());
        Assert.False(DecoderConfig.Load(Path.Combine(dir.Path, EmbeddingModel.BundledBaseFolder)).IsCausal);
        // Re-saving the same folder as a causal model removes the key again (it follows the model, not the old file).
        using var causal = NewModel("eos-causal");
        causal.MergeLora();
        causal.Save(dir.Path);
        Assert.False(BackboneConfig(dir.Path).ContainsKey("is_causal"));
    }

    [Fact]
    public void DecoderSaveWritesTheAttentionItIsGivenAndOtherwiseKeepsTheConfigs()
    {
        using var dir = TestPaths.NewTempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2, seed: 3);
        model.Save(dir.Path, attention: AttentionMode.Bidirectional);
        Assert.False(DecoderConfig.Load(dir.Path).IsCausal);
        using var reloaded = DecoderModel.Load(dir.Path);
        Assert.False(reloaded.Config.IsCausal);
        reloaded.Save(dir.Path);                       // no attention given: the config's own value is kept
        Assert.False(DecoderConfig.Load(dir.Path).IsCausal);
        reloaded.Save(dir.Path, attention: AttentionMode.Causal);
        Assert.Null(DecoderConfig.Load(dir.Path).IsCausal);
    }
}
