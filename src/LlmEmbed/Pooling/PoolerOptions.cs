using System.Text.Json.Serialization;

namespace LlmEmbed.Pooling;

/// <summary>
/// Which pooler to build and its hyper-parameters (stored in <c>embedding_config.json</c>). Unset sizes scale with the
/// hidden size: 32 latents, heads = hidden / 64 (at least 1), head size 64; <see cref="Preset"/> <c>paper</c> uses the
/// paper's 768 latents × 32 heads × head size 2048 instead.
/// </summary>
public sealed record PoolerOptions
{
    [JsonPropertyName("kind")] public PoolerKind Kind { get; init; } = PoolerKind.Eos;
    [JsonPropertyName("orientation")] public LatentAttentionOrientation Orientation { get; init; } = LatentAttentionOrientation.LatentsQuery;

    /// <summary>null or "default": sizes scale with the hidden size; "paper": 768 latents, 32 heads, head size 2048.</summary>
    [JsonPropertyName("preset")] public string? Preset { get; init; }

    [JsonPropertyName("num_latents")] public int? NumLatents { get; init; }
    [JsonPropertyName("num_heads")] public int? NumHeads { get; init; }
    [JsonPropertyName("head_size")] public int? HeadSize { get; init; }

    /// <summary>Width multiplier of the GEGLU feed-forward.</summary>
    [JsonPropertyName("ff_multiplier")] public int FeedForwardMultiplier { get; init; } = 4;

    /// <summary>Multi-layer pooler only: how each layer is summarised.</summary>
    [JsonPropertyName("layer_summary")] public LayerSummary LayerSummary { get; init; } = LayerSummary.Auto;

    /// <summary>Seed of the pooler's initialisation.</summary>
    [JsonPropertyName("seed")] public long Seed { get; init; }

    /// <summary>The sizes actually used for a model of <paramref name="hiddenSize"/>, after preset and defaults.</summary>
    public (int NumLatents, int NumHeads, int HeadSize) ResolveSizes(int hiddenSize)
    {
        var (latents, heads, headSize) = Preset switch
        {
            null or "" or "default" => (32, Math.Max(1, hiddenSize / 64), 64),
            "paper" => (768, 32, 2048),
            _ => throw new ArgumentException($"pooler preset '{Preset}' is unknown (known: default, paper)"),
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
