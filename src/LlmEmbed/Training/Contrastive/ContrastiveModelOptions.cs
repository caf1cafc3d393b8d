using LlmEmbed.Embedding;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Which embedding model to train. The trainer passes these through to the encoder factory untouched (apart from
/// checking ranges); their meaning is the embedding model's.
/// </summary>
public sealed class ContrastiveModelOptions
{
    /// <summary>Folder of the base decoder (config.json + safetensors).</summary>
    public string? Path { get; set; }

    /// <summary>Pooling design, e.g. <c>mean</c>, <c>last_token</c>, <c>multi_layer_trainable</c>.</summary>
    public string Pooling { get; set; } = "mean";

    /// <summary>Attention of the encoder: <c>causal</c> or <c>bidirectional</c>.</summary>
    public string Attention { get; set; } = "causal";

    /// <summary>Texts are truncated to this many tokens.</summary>
    public int MaxLength { get; set; } = 512;

    /// <summary>Weights and compute dtype: bfloat16 (float32 master copies in the optimiser) or float32.</summary>
    public string Dtype { get; set; } = "bfloat16";

    /// <summary>Device for the model: <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>The embedding model's own LoRA settings (YAML keys enabled, r, alpha, dropout, target_modules).</summary>
    public LoraOptions Lora { get; set; } = new();
}
