using LlmEmbed.Tokenization;

namespace LlmEmbed.Embedding;

/// <summary>Serves a <see cref="TextTokenizer"/> as an <see cref="IEmbeddingTokenizer"/>.</summary>
public sealed class TextTokenizerAdapter(TextTokenizer tokenizer) : IEmbeddingTokenizer
{
    public TextTokenizer Tokenizer { get; } = tokenizer;
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens) => Tokenizer.Encode(text, addSpecialTokens);
    public int? BosId => Tokenizer.BosId;
    public int? EosId => Tokenizer.EosId;
    public int? PadId => Tokenizer.PadId;
    public void SaveTo(string dir) => Tokenizer.SaveTo(dir);

    public static TextTokenizerAdapter Load(string dir) => new(TextTokenizer.Load(dir));
}
