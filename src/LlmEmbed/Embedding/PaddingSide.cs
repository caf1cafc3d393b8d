namespace LlmEmbed.Embedding;

/// <summary>Where padding goes in a batch (the decoder handles both identically).</summary>
public enum PaddingSide
{
    Right,
    Left,
}
