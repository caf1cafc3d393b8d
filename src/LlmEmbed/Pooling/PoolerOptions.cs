using System.Text.Json.Serialization;
using YamlDotNet.Serialization;

namespace LlmEmbed.Pooling;

/// <summary>
/// Which pooler to build and its hyper-parameters (stored in <c>embedding_config.json</c>). Unset sizes scale with the
/// hidden size: 32 latents, heads = hidden / 64 (at least 1), head size 64; <see cref="Size"/> <c>paper</c> uses the
/// paper's 768 latents × 32 heads × head size 2048 instead. YAML keys are the JSON keys.
/// </summary>
public sealed record PoolerOptions
{
    private readonly PoolerKind? kind;
    private readonly PoolerInput? input;

    [JsonIgnore, YamlIgnore] public PoolerKind Kind { get => kind ?? PoolerKind.Eos; init => kind = value; }

    /// <summary>The kind as written (null = not given: eos, or the preset's); what the files hold, so a round trip keeps "not given".</summary>
    [JsonPropertyName("kind"), YamlMember(Alias = "kind")] public PoolerKind? KindSetting { get => kind; init => kind = value; }

    /// <summary>Whether <see cref="Kind"/> was given explicitly (a preset may then not contradict it).</summary>
    [JsonIgnore, YamlIgnore] public bool KindIsSet => kind.HasValue;

    /// <summary>Latent-attention pooler only: attend over all tokens (default) or over the EOS state alone (the reference's design 2).</summary>
    [JsonIgnore, YamlIgnore] public PoolerInput Input { get => input ?? PoolerInput.AllTokens; init => input = value; }

    [JsonPropertyName("input"), YamlMember(Alias = "input")] public PoolerInput? InputSetting { get => input; init => input = value; }

    [JsonIgnore, YamlIgnore] public bool InputIsSet => input.HasValue;

    [JsonPropertyName("orientation"), YamlMember(Alias = "orientation")] public LatentAttentionOrientation Orientation { get; init; } = LatentAttentionOrientation.LatentsQuery;

    /// <summary>null or "default": sizes scale with the hidden size; "paper": 768 latents, 32 heads, head size 2048.</summary>
    [JsonPropertyName("size"), YamlMember(Alias = "size")] public string? Size { get; init; }

    [JsonPropertyName("num_latents"), YamlMember(Alias = "num_latents")] public int? NumLatents { get; init; }
    [JsonPropertyName("num_heads"), YamlMember(Alias = "num_heads")] public int? NumHeads { get; init; }
    [JsonPropertyName("head_size"), YamlMember(Alias = "head_size")] public int? HeadSize { get; init; }

    /// <summary>Width multiplier of the GEGLU feed-forward.</summary>
    [JsonPropertyName("ff_multiplier"), YamlMember(Alias = "ff_multiplier")] public int FeedForwardMultiplier { get; init; } = 4;

    /// <summary>Multi-layer pooler only: how each layer is summarised.</summary>
    [JsonPropertyName("layer_summary"), YamlMember(Alias = "layer_summary")] public LayerSummary LayerSummary { get; init; } = LayerSummary.Auto;

    /// <summary>Seed of the pooler's initialisation.</summary>
    [JsonPropertyName("seed"), YamlMember(Alias = "seed")] public long Seed { get; init; }

    /// <summary>The sizes actually used for a model of <paramref name="hiddenSize"/>, after preset and defaults.</summary>
    public (int NumLatents, int NumHeads, int HeadSize) ResolveSizes(int hiddenSize)
    {
        var (latents, heads, headSize) = Size switch
        {
            null or "" or "default" => (32, Math.Max(1, hiddenSize / 64), 64),
            "paper" => (768, 32, 2048),
            _ => throw new ArgumentException($"pooler.size '{Size}' is unknown (known: default, paper)"),
        };
        latents = NumLatents ?? latents;
        heads = NumHeads ?? heads;
        headSize = HeadSize ?? headSize;
        if (latents <= 0) throw new ArgumentException($"pooler num_latents must be positive, got {latents}");
        if (heads <= 0) throw new ArgumentException($"pooler num_heads must be positive, got {heads}");
        if (headSize <= 0) throw new ArgumentException($"pooler head_size must be positive, got {headSize}");
        if (FeedForwardMultiplier <= 0) throw new ArgumentException($"pooler ff_multiplier must be positive, got {FeedForwardMultiplier}");
        return (latents, heads, headSize);
    }
}
