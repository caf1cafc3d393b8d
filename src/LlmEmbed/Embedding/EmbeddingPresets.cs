using LlmEmbed.Models;
using LlmEmbed.Pooling;

namespace LlmEmbed.Embedding;

/// <summary>
/// The study's pooling × attention designs by name (a design: pooler kind, pooler input and attention; everything
/// else comes from the recipe). docs/experiments.md tabulates each against the reference code.
/// </summary>
public static class EmbeddingPresets
{
    public static readonly IReadOnlyList<string> Names =
    [
        "eos-causal", "latent-eos-causal", "latent-causal", "multilayer-causal",
        "eos-bidirectional", "mean-bidirectional", "latent-bidirectional", "multilayer-bidirectional",
    ];

    /// <summary>The config of preset <paramref name="name"/> for the base model at <paramref name="baseModel"/>.</summary>
    public static EmbeddingModelConfig Get(string name, string? baseModel = null)
    {
        var (kind, input, mode) = name.Trim().ToLowerInvariant() switch
        {
            "eos-causal" => (PoolerKind.Eos, PoolerInput.AllTokens, AttentionMode.Causal),                       // reference design 1
            "latent-eos-causal" => (PoolerKind.LatentAttention, PoolerInput.Eos, AttentionMode.Causal),          // reference design 2
            "latent-causal" => (PoolerKind.LatentAttention, PoolerInput.AllTokens, AttentionMode.Causal),        // our variant of design 2
            "multilayer-causal" => (PoolerKind.MultiLayer, PoolerInput.AllTokens, AttentionMode.Causal),         // reference design 3
            "eos-bidirectional" => (PoolerKind.Eos, PoolerInput.AllTokens, AttentionMode.Bidirectional),
            "mean-bidirectional" => (PoolerKind.Mean, PoolerInput.AllTokens, AttentionMode.Bidirectional),       // LLM2Vec
            "latent-bidirectional" => (PoolerKind.LatentAttention, PoolerInput.AllTokens, AttentionMode.Bidirectional), // reference design 4
            "multilayer-bidirectional" => (PoolerKind.MultiLayer, PoolerInput.AllTokens, AttentionMode.Bidirectional),  // reference design 5
            _ => throw new ArgumentException($"unknown embedding preset '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };
        return new EmbeddingModelConfig
        {
            Preset = name.Trim().ToLowerInvariant(),
            BaseModel = baseModel,
            Attention = mode,
            Pooler = input == PoolerInput.Eos ? new PoolerOptions { Kind = kind, Input = input } : new PoolerOptions { Kind = kind },
        };
    }
}
