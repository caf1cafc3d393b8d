using LlmEmbed.Embedding;
namespace LlmEmbed.Evaluation.Caching;

/// <summary>
/// What identifies a cached embedding matrix: model, dataset, split, text role, instruction and how it was
/// applied. The hash of the texts themselves is added by <see cref="EmbeddingCache"/>.
/// </summary>
public sealed record EmbeddingCacheKey(string ModelId, string Dataset, string Split, TextRole Role, string? Instruction, string InstructionMode);
