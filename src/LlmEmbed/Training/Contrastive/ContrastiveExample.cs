namespace LlmEmbed.Training.Contrastive;

/// <summary>One training row: a query, its positive, an optional hard negative and instruction, and where it came from.</summary>
public sealed record ContrastiveExample(string Query, string Positive, string? Negative, string? Instruction, string Source, int Line);
