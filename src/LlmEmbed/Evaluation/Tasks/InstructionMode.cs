namespace LlmEmbed.Evaluation.Tasks;

/// <summary>How task instructions reach the embedding model.</summary>
public enum InstructionMode
{
    /// <summary>Prepended to the text: <c>Instruct: {instruction}\nQuery: {text}</c>.</summary>
    InText,
    /// <summary>
    /// Given separately: the text is passed unchanged and the instruction travels in
    /// <c>EmbeddingGenerationOptions.AdditionalProperties["instruction"]</c> (e.g. so the model can exclude
    /// instruction tokens from pooling).
    /// </summary>
    Separate,
    /// <summary>No instructions at all.</summary>
    None,
}
