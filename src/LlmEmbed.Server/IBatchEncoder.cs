using LlmEmbed.Embedding;

namespace LlmEmbed.Server;

/// <summary>What the <see cref="BatchScheduler"/> needs: one forward pass over a batch of tokenised inputs.</summary>
public interface IBatchEncoder
{
    /// <summary>The embeddings of <paramref name="batch"/>, in order.</summary>
    float[][] Encode(IReadOnlyList<TokenizedText> batch);
}
