using System.Text.Json;
using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Pooling;

namespace LlmEmbed.Experiments;

/// <summary>
/// One design of an experiment: a named preset (<c>eos-causal</c>, <c>latent-eos-causal</c>, …) or an explicit
/// pooler × attention pair. Everything else (base model, data, recipe, seed) is shared by all arms.
/// </summary>
public sealed class ExperimentArmConfig
{
    /// <summary>Unique arm name; defaults to the preset name, else <c>{pooler}-{attention}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>An embedding preset (<see cref="EmbeddingPresets"/>).</summary>
    public string? Preset { get; set; }

    /// <summary>Pooler kind (eos, mean, latent-attention, multi-layer) when no preset is given.</summary>
    public PoolerKind? Pooler { get; set; }

    /// <summary>causal or bidirectional, when no preset is given (contradicting a preset is an error).</summary>
    public AttentionMode? Attention { get; set; }

    public string ResolvedName => Name ?? Preset ?? $"{Kebab(Pooler?.ToString() ?? "eos")}-{Kebab((Attention ?? AttentionMode.Causal).ToString())}";

    /// <summary>The arm's embedding model: the shared recipe's <paramref name="shared"/> model with this arm's design (preset applied).</summary>
    public EmbeddingModelConfig ModelConfig(EmbeddingModelConfig shared, string baseModel)
    {
        var model = shared with { BaseModel = baseModel, Preset = Preset };
        if (Pooler is { } kind) model = model with { Pooler = model.Pooler with { Kind = kind } };
        if (Attention is { } mode) model = model with { Attention = mode };
        model.Validate($"arms: arm '{ResolvedName}'");
        return model.Resolve();
    }

    private static string Kebab(string name) => JsonNamingPolicy.KebabCaseLower.ConvertName(name);
}
