using LlmEmbed.Embedding;
using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>The two model shapes the benchmarks use, and how to build them (random weights unless a trained base exists).</summary>
internal static class BenchModels
{
    /// <summary>Qwen2-0.5B's architecture (494M parameters, tied 151936-token embedding).</summary>
    public static DecoderConfig Qwen2HalfB(int? layers = null) => new()
    {
        ModelType = "qwen2",
        HiddenSize = 896,
        NumHiddenLayers = layers ?? 24,
        IntermediateSize = 4864,
        NumAttentionHeads = 14,
        NumKeyValueHeadsRaw = 2,
        VocabSize = 151936,
        TieWordEmbeddings = true,
        MaxPositionEmbeddings = 32768,
        RopeTheta = 1000000,
    };

    /// <summary>The project's default base model shape (configs/pretrain-default.yaml).</summary>
    public static DecoderConfig DefaultShape() => new()
    {
        ModelType = "llama",
        HiddenSize = 256,
        NumHiddenLayers = 8,
        IntermediateSize = 768,
        NumAttentionHeads = 8,
        NumKeyValueHeadsRaw = 2,
        VocabSize = 8192,
        TieWordEmbeddings = true,
        MaxPositionEmbeddings = 1024,
    };

    /// <summary>The pretrained default base model's folder (exists once pretraining has finished).</summary>
    public static string DefaultBaseFolder(BenchSettings s) => s.Repo("models", "llm-embed-base");

    public static bool DefaultBaseExists(BenchSettings s) => File.Exists(Path.Combine(DefaultBaseFolder(s), "config.json"));

    /// <summary>The default base model: the pretrained one when present, else random weights of its config.</summary>
    public static (DecoderModel Model, IEmbeddingTokenizer Tokenizer, string Source) DefaultBase(BenchSettings s, ScalarType dtype)
    {
        if (DefaultBaseExists(s))
        {
            string dir = DefaultBaseFolder(s);
            return (DecoderModel.Load(dir, dtype), TextTokenizerAdapter.Load(dir), "models/llm-embed-base");
        }
        return (DecoderModel.CreateRandom(DefaultShape(), 1, dtype), TextTokenizerAdapter.Load(s.Repo("models", "bpe-8k")), "random weights (models/llm-embed-base not there yet)");
    }

    public static IEmbeddingTokenizer Qwen2Tokenizer(BenchSettings s) =>
        TextTokenizerAdapter.Load(Path.GetFullPath(Path.Combine(s.RepoRoot, "..", "shared", "models", "tokenizers", "qwen2")));

    /// <summary>An eos-causal embedding model (the study's baseline design), optionally with LoRA r16 on all seven projections.</summary>
    public static EmbeddingModel Embedding(DecoderModel backbone, IEmbeddingTokenizer tokenizer, ScalarType dtype, bool lora, int maxLength = 512)
    {
        var config = EmbeddingPresets.Get("eos-causal") with
        {
            DType = dtype == ScalarType.BFloat16 ? "bfloat16" : "float32",
            MaxLength = maxLength,
            Lora = new LoraOptions { Enabled = lora, Rank = 16, Alpha = 32, Dropout = 0.1, Seed = 3 },
        };
        return EmbeddingModel.Create(config, backbone, tokenizer);
    }

    public static string Name(ScalarType dtype) => dtype == ScalarType.BFloat16 ? "bf16" : "fp32";
}
