namespace LlmEmbed.Embedding;

/// <summary>How many texts of an <see cref="EmbeddingModel.Encode"/> call are done.</summary>
public readonly record struct EncodeProgress(int Done, int Total);
