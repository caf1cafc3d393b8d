namespace LlmEmbed.Embedding;

/// <summary>
/// The little an embedding model needs from a tokenizer. <see cref="TextTokenizerAdapter"/> wraps the project's
/// <see cref="Tokenization.TextTokenizer"/>; tests can supply a trivial one.
/// </summary>
public interface IEmbeddingTokenizer
{
    IReadOnlyList<int> Encode(string text, bool addSpecialTokens);
    int? BosId { get; }
    int? EosId { get; }
    int? PadId { get; }

    /// <summary>Writes the tokenizer's files into <paramref name="dir"/> (for bundled models).</summary>
    void SaveTo(string dir);
}
