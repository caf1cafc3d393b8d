namespace LlmEmbed.Pooling;

/// <summary>Which side of the latent-attention block supplies the queries.</summary>
public enum LatentAttentionOrientation
{
    /// <summary>Latents attend over the token states (padding keys masked), then the mean over latents (the study's reference code).</summary>
    LatentsQuery,

    /// <summary>Tokens attend over the latents, then the masked mean over tokens (NV-Embed).</summary>
    TokensQuery,
}
