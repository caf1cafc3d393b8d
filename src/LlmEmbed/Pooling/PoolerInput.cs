namespace LlmEmbed.Pooling;

/// <summary>Which last-layer positions a latent-attention pooler attends over.</summary>
public enum PoolerInput
{
    /// <summary>Every poolable token (padding and excluded instruction tokens masked): our latent designs, NV-Embed style.</summary>
    AllTokens,

    /// <summary>
    /// Only the EOS state (the last real token), one position per text: the study's reference design 2
    /// (<c>attn_pool(last_hidden_state[:, -1:, :])</c>), i.e. a learned transform of the EOS state.
    /// </summary>
    Eos,
}
