using System.Text.Json.Nodes;
using LlmEmbed.Models;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Models;

/// <summary>Qwen3's config.json keys: defaults as HF's <c>Qwen3Config</c>, and clear errors for what cannot be run here.</summary>
public class Qwen3ConfigTests
{
    /// <summary>Qwen3-Embedding-0.6B's config.json (transformers 4.51), shrunk to two layers.</summary>
    private static JsonObject Qwen3Embedding06B() => JsonNode.Parse("""
        {
          "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
          "bos_token_id": 151643, "eos_token_id": 151643, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024,
          "initializer_range": 0.02, "intermediate_size": 3072, "max_position_embeddings": 32768, "max_window_layers": 28,
          "model_type": "qwen3", "num_attention_heads": 16, "num_hidden_layers": 2, "num_key_value_heads": 8,
          "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
          "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.51.3", "use_cache": true,
          "use_sliding_window": false, "vocab_size": 151669
        }
        """)!.AsObject();

    private static DecoderConfig Load(JsonObject json, TempDir dir)
    {
        File.WriteAllText(dir.File("config.json"), json.ToJsonString());
        return DecoderConfig.Load(dir.File("config.json"));
    }

    private static InvalidDataException Refused(JsonObject json, TempDir dir)
    {
        File.WriteAllText(dir.File("config.json"), json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => DecoderConfig.Load(dir.File("config.json")));
        Assert.Contains(dir.File("config.json"), e.Message);
        return e;
    }

    [Fact]
    public void TheReleasedQwen3EmbeddingConfigReadsAsHfReadsIt()
    {
        using var dir = TestPaths.NewTempDir();
        var c = Load(Qwen3Embedding06B(), dir);
        Assert.Equal(128, c.HeadDim);
        Assert.Equal(16 * 128, c.NumAttentionHeads * c.HeadDim);   // q_proj: 1024 -> 2048
        Assert.True(c.QkNorm);
        Assert.False(c.QkvBias);
        Assert.False(c.OutputBias);
        Assert.Equal(1_000_000.0, c.EffectiveRopeTheta);
        Assert.Equal(151643, c.EosTokenId);
        // 0.6B with 28 layers has 595,776,512 parameters (596 M, "0.6B"); the 2-layer shrink: embedding + 2 layers + norm.
        long layer = 1024L * 2048 + 2 * 1024L * 1024 + 2048L * 1024 + 3 * 1024L * 3072 + 2 * 1024 + 2 * 128;
        Assert.Equal(151669L * 1024 + 2 * layer + 1024, c.ParameterCount);
        Assert.Equal(595_776_512L, (c with { NumHiddenLayers = 28 }).ParameterCount);
    }

    [Fact]
    public void HeadDimDefaultsTo128ForQwen3AndToHiddenOverHeadsOtherwise()
    {
        using var dir = TestPaths.NewTempDir();
        var json = Qwen3Embedding06B();
        json.Remove("head_dim");
        Assert.Equal(128, Load(json, dir).HeadDim);   // Qwen3Config.head_dim defaults to 128
        json["model_type"] = "qwen2";
        Assert.Equal(64, Load(json, dir).HeadDim);    // 1024 / 16
    }

    [Fact]
    public void AnActiveSlidingWindowIsRefusedAndAnInactiveOneIgnored()
    {
        using var dir = TestPaths.NewTempDir();
        var json = Qwen3Embedding06B();
        json["sliding_window"] = 4096;
        Assert.False(Load(json, dir).UseSlidingWindow);                                // off: the window is ignored, as HF does
        json["use_sliding_window"] = true;
        Assert.Equal(4096, Load(json, dir).SlidingWindow);                             // on, but max_window_layers 28 >= 2 layers: no sliding layer
        json["max_window_layers"] = 1;
        var e = Refused(json, dir);
        Assert.Contains("use_sliding_window: true with sliding_window 4096 makes layer 1 a sliding-window layer", e.Message);

        json["max_window_layers"] = 28;
        json["layer_types"] = new JsonArray("full_attention", "sliding_attention");
        Assert.Contains("makes layer 1 a sliding-window layer", Refused(json, dir).Message);
        json["use_sliding_window"] = false;
        Assert.Equal(2, Load(json, dir).LayerTypes!.Length);                            // listed, but the window is off
        json["layer_types"] = new JsonArray("full_attention");
        Assert.Contains("layer_types has 1 entries for 2 layers", Refused(json, dir).Message);
        json["layer_types"] = new JsonArray("full_attention", "chunked_attention");
        Assert.Contains("layer_types[1] 'chunked_attention' is not supported", Refused(json, dir).Message);
    }

    [Fact]
    public void RopeParametersOfTransformers5AreRead()
    {
        using var dir = TestPaths.NewTempDir();
        var json = Qwen3Embedding06B();
        json.Remove("rope_theta");
        json.Remove("rope_scaling");
        json["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 5000000.0 };
        Assert.Equal(5_000_000.0, Load(json, dir).EffectiveRopeTheta);
        json["rope_parameters"] = new JsonObject { ["rope_type"] = "yarn", ["rope_theta"] = 1000000.0, ["factor"] = 4.0 };
        Assert.Contains("rope_parameters.rope_type 'yarn' is not supported", Refused(json, dir).Message);
    }

    [Fact]
    public void AttentionBiasGivesQwen3AllFourProjectionBiasesAndOtherTypesAreNamed()
    {
        using var dir = TestPaths.NewTempDir();
        var json = Qwen3Embedding06B();
        json["attention_bias"] = true;
        var c = Load(json, dir);
        Assert.True(c.QkvBias && c.OutputBias);
        json["model_type"] = "qwen3_moe";
        Assert.Contains("model_type 'qwen3_moe' is not supported (supported: llama, mistral, qwen2, qwen3)", Refused(json, dir).Message);
    }

    [Fact]
    public void IsCausalIsReadAndWrittenOnlyWhenFalse()
    {
        using var dir = TestPaths.NewTempDir();
        var json = Qwen3Embedding06B();
        Assert.Null(Load(json, dir).IsCausal);
        json["is_causal"] = false;
        var c = Load(json, dir);
        Assert.False(c.IsCausal);
        c.Save(dir.File("saved.json"));
        Assert.False(JsonNode.Parse(File.ReadAllText(dir.File("saved.json")))!["is_causal"]!.GetValue<bool>());
        (c with { IsCausal = null }).Save(dir.File("saved.json"));
        Assert.False(JsonNode.Parse(File.ReadAllText(dir.File("saved.json")))!.AsObject().ContainsKey("is_causal"));
    }
}
