using LlmEmbed.Models;
using LlmEmbed.Pooling;

namespace LlmEmbed.Embedding;

/// <summary>The study's pooling × attention designs by name.</summary>
public static class EmbeddingPresets
{
    public static readonly IReadOnlyList<string> Names =
    [
        "eos-causal", "latent-causal", "multilayer-causal",
        "eos-bidirectional", "mean-bidirectional", "latent-bidirectional", "multilayer-bidirectional",
    ];

    /// <summary>The config of preset <paramref name="name"/> for the base model at <paramref name="baseModel"/>.</summary>
    public static EmbeddingModelConfig Get(string name, string? baseModel = null)
    {
        var (kind, mode) = name.Trim().ToLowerInvariant() switch
        {
            "eos-causal" => (PoolerKind.Eos, AttentionMode.Causal),
            "latent-causal" => (PoolerKind.LatentAttention, AttentionMode.Causal),
            "multilayer-causal" => (PoolerKind.MultiLayer, AttentionMode.Causal),
            "eos-bidirectional" => (PoolerKind.Eos, AttentionMode.Bidirectional),
            "mean-bidirectional" => (PoolerKind.Mean, AttentionMode.Bidirectional),
            "latent-bidirectional" => (PoolerKind.LatentAttention, AttentionMode.Bidirectional),
            "multilayer-bidirectional" => (PoolerKind.MultiLayer, AttentionMode.Bidirectional),
            _ => throw new ArgumentException($"unknown embedding preset '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };
        return new EmbeddingModelConfig
        {
            Preset = name.Trim().ToLowerInvariant(),
            BaseModel = baseModel,
            Attention = mode,
            Pooler = new PoolerOptions { Kind = kind },
        };
    }
}
