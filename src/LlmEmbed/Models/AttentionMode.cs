namespace LlmEmbed.Models;

/// <summary>
/// How tokens may attend to each other in a forward pass. The same weights serve both modes: the study's
/// point is that bidirectional attention can be switched on for embedding without changing the checkpoint.
/// </summary>
public enum AttentionMode
{
    /// <summary>Each token sees itself and earlier tokens (how the LLM was pretrained).</summary>
    Causal,

    /// <summary>Each token sees every non-padding token of its sequence (LLM2Vec / NV-Embed style).</summary>
    Bidirectional,
}
