namespace LlmEmbed.Pooling;

/// <summary>How the multi-layer pooler summarises one layer's token states into one vector.</summary>
public enum LayerSummary
{
    /// <summary>EOS state under causal attention (only the last token has seen the whole text), masked mean under bidirectional.</summary>
    Auto,

    /// <summary>The state of the last real token.</summary>
    Eos,

    /// <summary>The masked mean over poolable tokens.</summary>
    Mean,
}
