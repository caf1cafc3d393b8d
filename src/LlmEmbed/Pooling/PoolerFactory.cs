using System.Text.Json;
using LlmEmbed.Models;

namespace LlmEmbed.Pooling;

/// <summary>Builds poolers from <see cref="PoolerOptions"/> or by name.</summary>
public static class PoolerFactory
{
    public static readonly IReadOnlyList<string> Names = ["eos", "mean", "latent-attention", "multi-layer"];

    /// <summary>Parses a pooler name (eos, mean, latent-attention, multi-layer).</summary>
    public static PoolerKind ParseKind(string name) => name.Trim().ToLowerInvariant() switch
    {
        "eos" or "last" or "last-token" => PoolerKind.Eos,
        "mean" => PoolerKind.Mean,
        "latent-attention" or "latent" => PoolerKind.LatentAttention,
        "multi-layer" or "multilayer" => PoolerKind.MultiLayer,
        _ => throw new ArgumentException($"unknown pooler '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>The kebab-case name of a kind.</summary>
    public static string NameOf(PoolerKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    public static IPooler Create(string name, int hiddenSize, int numLayers, AttentionMode mode, long seed = 0) =>
        Create(new PoolerOptions { Kind = ParseKind(name), Seed = seed }, hiddenSize, numLayers, mode);

    /// <summary>Builds the pooler for a decoder with <paramref name="hiddenSize"/> and <paramref name="numLayers"/> layers.</summary>
    public static IPooler Create(PoolerOptions options, int hiddenSize, int numLayers, AttentionMode mode)
    {
        switch (options.Kind)
        {
            case PoolerKind.Eos: return new EosPooler(hiddenSize);
            case PoolerKind.Mean: return new MeanPooler(hiddenSize);
            case PoolerKind.LatentAttention:
            {
                var (latents, heads, headSize) = options.ResolveSizes(hiddenSize);
                return new LatentAttentionPooler(hiddenSize, options.Orientation, latents, heads, headSize, options.FeedForwardMultiplier, options.Seed, options.Input);
            }
            case PoolerKind.MultiLayer:
            {
                var (latents, heads, headSize) = options.ResolveSizes(hiddenSize);
                return new MultiLayerPooler(hiddenSize, numLayers, MultiLayerPooler.ResolveSummary(options.LayerSummary, mode), latents, heads, headSize, options.FeedForwardMultiplier, options.Seed);
            }
            default: throw new ArgumentException($"unknown pooler kind {options.Kind}", nameof(options));
        }
    }
}
