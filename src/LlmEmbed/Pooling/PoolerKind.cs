namespace LlmEmbed.Pooling;

/// <summary>The pooling methods the study compares (JSON / CLI names in kebab case: eos, mean, latent-attention, multi-layer).</summary>
public enum PoolerKind
{
    /// <summary>Hidden state of the last real token (the appended EOS).</summary>
    Eos,

    /// <summary>Masked mean of the last layer over real tokens.</summary>
    Mean,

    /// <summary>Learned latent array + one cross-attention block + GEGLU feed-forward, then a mean.</summary>
    LatentAttention,

    /// <summary>One vector per transformer layer, pooled by the cross-attention block with latents as queries.</summary>
    MultiLayer,
}
