namespace LlmEmbed.Embedding;

/// <summary>Options of <see cref="EmbeddingModel.Encode"/>.</summary>
public sealed record EncodeOptions
{
    public int BatchSize { get; init; } = 32;

    /// <summary>Overrides the config's max length (tokens including BOS/EOS) when set.</summary>
    public int? MaxLength { get; init; }

    /// <summary>When set, texts are encoded as queries with this instruction (see <see cref="InstructionOptions"/>).</summary>
    public string? Instruction { get; init; }

    public PaddingSide PaddingSide { get; init; } = PaddingSide.Right;
}
