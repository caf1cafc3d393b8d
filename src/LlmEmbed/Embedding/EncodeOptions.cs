namespace LlmEmbed.Embedding;

/// <summary>Options of <see cref="EmbeddingModel.Encode(IReadOnlyList{EmbeddingInput}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>.</summary>
public sealed record EncodeOptions
{
    /// <summary>At most this many texts per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// At most this many tokens (texts × padded length) per forward pass; null = no token limit. Texts are sorted by
    /// token length first, so a budget packs many short texts or few long ones into each batch.
    /// </summary>
    public int? MaxBatchTokens { get; init; }

    /// <summary>Overrides the config's max length (tokens including BOS/EOS) when set.</summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// For the plain-text overloads only: every text is a <see cref="TextRole.Query"/> with this instruction (see
    /// <see cref="InstructionOptions"/>); null = plain texts without instruction.
    /// </summary>
    public string? Instruction { get; init; }

    /// <summary>Where batches are padded; null = the model's <see cref="EmbeddingModelConfig.PaddingSide"/>. Vectors do not depend on it.</summary>
    public PaddingSide? PaddingSide { get; init; }
}
