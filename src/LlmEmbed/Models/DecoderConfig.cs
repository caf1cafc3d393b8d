using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmEmbed.Models;

/// <summary>
/// The architecture of a Llama-family decoder, read from (and written as) a Hugging Face <c>config.json</c>.
/// One record covers Llama-2/3, Mistral and Qwen2: they differ only in values (GQA, RoPE theta and scaling,
/// q/k/v bias, tied embeddings), never in code.
/// </summary>
public sealed record DecoderConfig
{
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "llama";
    [JsonPropertyName("architectures")] public string[]? Architectures { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 32000;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 4096;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 11008;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 32;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 32;
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeadsRaw { get; init; }
    [JsonPropertyName("head_dim")] public int? HeadDimRaw { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 2048;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rope_scaling")] public RopeScaling? RopeScaling { get; init; }
    [JsonPropertyName("attention_bias")] public bool? AttentionBiasRaw { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenIdRaw { get; init; }
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; init; }
    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }

    [JsonIgnore] public int NumKeyValueHeads => NumKeyValueHeadsRaw ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDim => HeadDimRaw ?? HiddenSize / NumAttentionHeads;

    /// <summary>Qwen2 always has q/k/v biases; Llama/Mistral only when <c>attention_bias</c> says so.</summary>
    [JsonIgnore] public bool QkvBias => AttentionBiasRaw ?? ModelType == "qwen2";

    /// <summary>The first EOS id (configs may hold one id or a list).</summary>
    [JsonIgnore]
    public int? EosTokenId => EosTokenIdRaw switch
    {
        { ValueKind: JsonValueKind.Number } e => e.GetInt32(),
        { ValueKind: JsonValueKind.Array } e when e.GetArrayLength() > 0 => e[0].GetInt32(),
        _ => null,
    };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads and validates <c>config.json</c>; errors name the file and the field.</summary>
    public static DecoderConfig Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"model config not found: {path}", path);
        DecoderConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<DecoderConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid config.json: {e.Message}", e);
        }
        if (config == null) throw new InvalidDataException($"{path}: config.json is empty");
        config.Validate(path);
        return config;
    }

    public void Save(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "config.json");
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
    }

    /// <summary>Checks that the numbers describe a model this implementation can build.</summary>
    public void Validate(string source = "config")
    {
        string[] supported = ["llama", "mistral", "qwen2"];
        if (!supported.Contains(ModelType))
            throw new InvalidDataException($"{source}: model_type '{ModelType}' is not supported (supported: {string.Join(", ", supported)})");
        if (HiddenAct != "silu")
            throw new InvalidDataException($"{source}: hidden_act '{HiddenAct}' is not supported (only silu / SwiGLU)");
        void Positive(string name, int value)
        {
            if (value <= 0) throw new InvalidDataException($"{source}: {name} must be positive, got {value}");
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("intermediate_size", IntermediateSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("num_key_value_heads", NumKeyValueHeads);
        Positive("head_dim", HeadDim);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new InvalidDataException($"{source}: num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        if (HeadDim % 2 != 0)
            throw new InvalidDataException($"{source}: head_dim ({HeadDim}) must be even for rotary embeddings");
        if (RopeScaling is { } rs && rs.Kind is not ("default" or "llama3"))
            throw new InvalidDataException($"{source}: rope_scaling type '{rs.Kind}' is not supported (none or llama3)");
    }

    /// <summary>Parameter count of the decoder (embedding, layers, final norm, and the LM head when untied).</summary>
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, q = (long)NumAttentionHeads * HeadDim, kv = (long)NumKeyValueHeads * HeadDim;
            long attention = h * q + 2 * h * kv + q * h + (QkvBias ? q + 2 * kv : 0);
            long mlp = 3 * h * IntermediateSize;
            long layer = attention + mlp + 2 * h;
            long embed = (long)VocabSize * h;
            return embed + NumHiddenLayers * layer + h + (TieWordEmbeddings ? 0 : embed);
        }
    }
}
