namespace LlmEmbed.Experiments;

/// <summary>
/// One design of an experiment: a named preset (<c>eos-causal</c>, <c>multilayer-bidirectional</c>, …) or an
/// explicit pooler × attention pair. Everything else (base model, data, recipe, seed) is shared by all arms.
/// </summary>
public sealed class ExperimentArmConfig
{
    /// <summary>Unique arm name; defaults to the preset name, else <c>{pooler}-{attention}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>An embedding preset (LlmEmbed.Embedding.EmbeddingPresets).</summary>
    public string? Preset { get; set; }

    /// <summary>Pooler name (eos, mean, latent-attention, multi-layer) when no preset is given.</summary>
    public string? Pooler { get; set; }

    /// <summary>causal or bidirectional, when no preset is given (or to override the preset's).</summary>
    public string? Attention { get; set; }

    public string ResolvedName => Name ?? Preset ?? $"{Pooler}-{Attention ?? "causal"}";
}
