using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmEmbed.Models;

/// <summary>
/// The architecture of a Llama-family decoder, read from (and written as) a Hugging Face <c>config.json</c>.
/// One record covers Llama-2/3, Mistral, Qwen2 and Qwen3: they differ only in values (GQA, head size, RoPE theta
/// and scaling, projection biases, Qwen3's per-head q/k RMSNorm, tied embeddings), never in code.
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

    /// <summary>transformers 5's form of <c>rope_theta</c> + <c>rope_scaling</c> in one block; read, and preferred when present.</summary>
    [JsonPropertyName("rope_parameters")] public RopeScaling? RopeParameters { get; init; }
    [JsonPropertyName("attention_bias")] public bool? AttentionBiasRaw { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenIdRaw { get; init; }
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; init; }
    [JsonPropertyName("sliding_window")] public int? SlidingWindow { get; init; }

    /// <summary>Qwen2/Qwen3: whether <see cref="SlidingWindow"/> applies at all (HF ignores the window when false).</summary>
    [JsonPropertyName("use_sliding_window")] public bool? UseSlidingWindow { get; init; }

    /// <summary>Qwen2/Qwen3: layers from this index on use the sliding window (when <see cref="UseSlidingWindow"/>).</summary>
    [JsonPropertyName("max_window_layers")] public int? MaxWindowLayers { get; init; }

    /// <summary>Per-layer attention kind (<c>full_attention</c> or <c>sliding_attention</c>), as recent HF configs list it.</summary>
    [JsonPropertyName("layer_types")] public string[]? LayerTypes { get; init; }

    /// <summary>
    /// <c>false</c> for a model meant to run with bidirectional attention (the key recent Hugging Face releases read);
    /// absent (null) means causal, as in every decoder checkpoint. Written by <see cref="DecoderModel.Save"/> for a
    /// bidirectional embedding model's backbone; the attention an embedding model runs with is its
    /// <c>embedding_config.json</c>'s, which this key documents for other readers.
    /// </summary>
    [JsonPropertyName("is_causal")] public bool? IsCausal { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }

    [JsonIgnore] public int NumKeyValueHeads => NumKeyValueHeadsRaw ?? NumAttentionHeads;

    /// <summary>
    /// The size of one attention head: <c>head_dim</c> when given (Qwen3: 128 with hidden 1024 and 16 heads, so the
    /// q projection is hidden → heads·head_dim, not square), else HF's default for the family — 128 for Qwen3
    /// (<c>Qwen3Config.head_dim</c>), hidden / heads for the others.
    /// </summary>
    [JsonIgnore] public int HeadDim => HeadDimRaw ?? (ModelType == "qwen3" ? 128 : HiddenSize / NumAttentionHeads);

    /// <summary>Qwen2 always has q/k/v biases; Llama/Mistral/Qwen3 only when <c>attention_bias</c> says so.</summary>
    [JsonIgnore] public bool QkvBias => AttentionBiasRaw ?? ModelType == "qwen2";

    /// <summary>An o_proj bias: <c>attention_bias</c> for Llama and Qwen3 (HF gives o_proj the same bias flag); never for Qwen2 and Mistral.</summary>
    [JsonIgnore] public bool OutputBias => ModelType is "llama" or "qwen3" && AttentionBiasRaw == true;

    /// <summary>Qwen3's per-head RMSNorm of queries and keys (<c>q_norm</c>, <c>k_norm</c>, weight [head_dim]) before RoPE.</summary>
    [JsonIgnore] public bool QkNorm => ModelType == "qwen3";

    /// <summary>The RoPE base: <c>rope_parameters.rope_theta</c> when present (transformers 5), else <c>rope_theta</c>.</summary>
    [JsonIgnore] public double EffectiveRopeTheta => RopeParameters?.RopeTheta ?? RopeTheta;

    /// <summary>The RoPE scaling: <c>rope_scaling</c>, else the type and factors of <c>rope_parameters</c>.</summary>
    [JsonIgnore] public RopeScaling? EffectiveRopeScaling => RopeScaling ?? RopeParameters;

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
        string[] supported = ["llama", "mistral", "qwen2", "qwen3"];
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
        if (RopeParameters is { } rp && rp.Kind is not ("default" or "llama3"))
            throw new InvalidDataException($"{source}: rope_parameters.rope_type '{rp.Kind}' is not supported (default or llama3)");
        if (!(EffectiveRopeTheta > 0) || !double.IsFinite(EffectiveRopeTheta))
            throw new InvalidDataException($"{source}: rope_theta must be positive, got {EffectiveRopeTheta}");
        if (!(RmsNormEps > 0)) throw new InvalidDataException($"{source}: rms_norm_eps must be positive, got {RmsNormEps}");
        if (ModelType == "mistral" && AttentionBiasRaw == true)
            throw new InvalidDataException($"{source}: attention_bias: true is not a Mistral option (HF's Mistral has no projection biases)");
        ValidateSlidingWindow(source);
    }

    /// <summary>
    /// Qwen2/Qwen3 configs carry <c>sliding_window</c> even when it is off (<c>use_sliding_window: false</c>, HF then
    /// ignores it); that is accepted. A window that would actually apply to some layer is refused: every layer here
    /// attends over the whole sequence, so the results would silently differ from HF's beyond the window.
    /// </summary>
    private void ValidateSlidingWindow(string source)
    {
        if (LayerTypes is { } types)
        {
            if (types.Length != NumHiddenLayers)
                throw new InvalidDataException($"{source}: layer_types has {types.Length} entries for {NumHiddenLayers} layers (num_hidden_layers)");
            for (int i = 0; i < types.Length; i++)
                if (types[i] is not ("full_attention" or "sliding_attention"))
                    throw new InvalidDataException($"{source}: layer_types[{i}] '{types[i]}' is not supported (full_attention or sliding_attention)");
        }
        if (ModelType is not ("qwen2" or "qwen3")) return; // Mistral's sliding_window is kept as before (documented)
        if (UseSlidingWindow != true || SlidingWindow is null) return;
        int maxWindowLayers = MaxWindowLayers ?? 28; // HF's default for both families
        int firstSliding = LayerTypes is { } listed
            ? Array.IndexOf(listed, "sliding_attention")
            : maxWindowLayers < NumHiddenLayers ? maxWindowLayers : -1;
        if (firstSliding >= 0)
            throw new InvalidDataException($"{source}: use_sliding_window: true with sliding_window {SlidingWindow} makes layer {firstSliding} a sliding-window layer, which is not supported (set use_sliding_window: false; every layer attends over the whole sequence)");
    }

    /// <summary>Parameter count of the decoder (embedding, layers, final norm, and the LM head when untied). Not a config.json key.</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long h = HiddenSize, q = (long)NumAttentionHeads * HeadDim, kv = (long)NumKeyValueHeads * HeadDim;
            long attention = h * q + 2 * h * kv + q * h + (QkvBias ? q + 2 * kv : 0) + (OutputBias ? h : 0) + (QkNorm ? 2L * HeadDim : 0);
            long mlp = 3 * h * IntermediateSize;
            long layer = attention + mlp + 2 * h;
            long embed = (long)VocabSize * h;
            return embed + NumHiddenLayers * layer + h + (TieWordEmbeddings ? 0 : embed);
        }
    }
}
