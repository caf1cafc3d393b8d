namespace LlmEmbed.Server;

/// <summary>One input of a request: a text, or token ids (OpenAI's token-array form).</summary>
public sealed record EmbeddingInput(string? Text, int[]? Tokens);
