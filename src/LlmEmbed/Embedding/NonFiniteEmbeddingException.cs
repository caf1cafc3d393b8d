namespace LlmEmbed.Embedding;

/// <summary>Raised (an IOException: bad model files, not a bug) when the model produces NaN or ±inf for an input: the weights or the input are broken, and no vector is returned.</summary>
public sealed class NonFiniteEmbeddingException(int inputIndex, int tokenCount)
    : IOException($"the embedding of input {inputIndex} (0-based, {tokenCount} tokens) holds NaN or infinite values; " +
                           "the model's weights are damaged or overflow in its dtype (try --dtype float32), so nothing was written")
{
    /// <summary>The 0-based index of the input whose embedding was not finite.</summary>
    public int InputIndex { get; } = inputIndex;
}
