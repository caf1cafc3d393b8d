using LlmEmbed.Embedding;

namespace LlmEmbed.Tests.Embedding;

/// <summary>A trivial tokenizer for tests: one id per character (3 + code % 40), BOS 1, EOS 2, PAD 0.</summary>
internal sealed class CharTokenizer : IEmbeddingTokenizer
{
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens)
    {
        var ids = new List<int>();
        if (addSpecialTokens) ids.Add(1);
        ids.AddRange(text.Select(c => 3 + c % 40));
        return ids;
    }

    public int? BosId => 1;
    public int? EosId => 2;
    public int? PadId => 0;
    public void SaveTo(string dir) { }
}
