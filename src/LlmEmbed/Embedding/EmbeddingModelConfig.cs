using System.Text.Json;
using System.Text.Json.Serialization;
using LlmEmbed.Models;
using LlmEmbed.Pooling;

namespace LlmEmbed.Embedding;

/// <summary>
/// Everything that defines an embedding model besides weights; stored as <c>embedding_config.json</c>.
/// </summary>
public sealed record EmbeddingModelConfig
{
    public const string FileName = "embedding_config.json";

    /// <summary>The preset this config came from, if any (informational).</summary>
    [JsonPropertyName("preset")] public string? Preset { get; init; }

    /// <summary>Path of the base HF model folder; null when the base weights are bundled (see <see cref="BundledBase"/>).</summary>
    [JsonPropertyName("base_model")] public string? BaseModel { get; init; }

    /// <summary>True when the saved folder holds the base model under <c>base/</c>.</summary>
    [JsonPropertyName("bundled_base")] public bool BundledBase { get; init; }

    [JsonPropertyName("pooler")] public PoolerOptions Pooler { get; init; } = new();
    [JsonPropertyName("attention")] public AttentionMode Attention { get; init; } = AttentionMode.Causal;
    [JsonPropertyName("normalize")] public bool Normalize { get; init; } = true;

    /// <summary>Maximum tokens per text including BOS and the appended EOS.</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 512;

    [JsonPropertyName("instruction")] public InstructionOptions Instruction { get; init; } = new();
    [JsonPropertyName("lora")] public LoraOptions Lora { get; init; } = new();

    /// <summary>
    /// The prefix lengths a Matryoshka-trained model was trained for (ascending, each at most the embedding size);
    /// null when it was not. Only these (and the full size) may be requested as <c>dimensions</c>.
    /// </summary>
    [JsonPropertyName("matryoshka_dims")] public IReadOnlyList<int>? MatryoshkaDims { get; init; }

    /// <summary>Backbone dtype: float32 or bfloat16 (the pooler always runs in float32).</summary>
    [JsonPropertyName("dtype")] public string DType { get; init; } = "float32";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    [JsonIgnore] public TorchSharp.torch.ScalarType ScalarType => ParseDType(DType);

    public static TorchSharp.torch.ScalarType ParseDType(string dtype) => dtype.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => TorchSharp.torch.ScalarType.Float32,
        "bfloat16" or "bf16" => TorchSharp.torch.ScalarType.BFloat16,
        _ => throw new ArgumentException($"dtype '{dtype}' is not supported (float32 or bfloat16)"),
    };

    /// <summary>Checks the values; errors name the option (and <paramref name="source"/>).</summary>
    public void Validate(string source = "embedding config")
    {
        try
        {
            if (MaxLength < 2) throw new ArgumentException($"max_length must be at least 2 (BOS/text + EOS), got {MaxLength}");
            ParseDType(DType);
            if (Lora.Enabled)
            {
                if (Lora.Rank <= 0) throw new ArgumentException($"lora.r must be positive, got {Lora.Rank}");
                if (Lora.Dropout is < 0 or >= 1) throw new ArgumentException($"lora.dropout must be in [0, 1), got {Lora.Dropout}");
                Lora.TargetModules();
            }
            Instruction.Prefix("x");
            if (MatryoshkaDims is { } dims) MatryoshkaDimensions.Validate(dims);
            if (Pooler.Kind is PoolerKind.LatentAttention or PoolerKind.MultiLayer) Pooler.ResolveSizes(64);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    public static EmbeddingModelConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"embedding config not found: {path}", path);
        EmbeddingModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<EmbeddingModelConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid {FileName}: {e.Message}", e);
        }
        if (config == null) throw new InvalidDataException($"{path}: {FileName} is empty");
        config.Validate(path);
        return config;
    }

    public void Save(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, JsonOptions));
        File.Move(tmp, path, overwrite: true);
    }
}
