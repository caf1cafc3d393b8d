namespace LlmEmbed.Tokenization;

/// <summary>PLACEHOLDER (being written by the lead): a tokenizer loaded from a model folder via Microsoft.ML.Tokenizers.</summary>
public sealed class TextTokenizer
{
    public static TextTokenizer Load(string dir) => throw new NotImplementedException();
    public static TextTokenizer LoadFile(string path) => throw new NotImplementedException();
    public int VocabSize => throw new NotImplementedException();
    public int? BosId => throw new NotImplementedException();
    public int? EosId => throw new NotImplementedException();
    public int? PadId => throw new NotImplementedException();
    public int? TokenToId(string token) => throw new NotImplementedException();
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => throw new NotImplementedException();
    public string Decode(IEnumerable<int> ids) => throw new NotImplementedException();
    public void SaveTo(string dir) => throw new NotImplementedException();
}
