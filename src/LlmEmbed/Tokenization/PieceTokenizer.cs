using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace LlmEmbed.Tokenization;

/// <summary>
/// Exposes one of our own encoders (SentencePiece-style tokenizer.json, llama2.c tokenizer.bin) as a
/// Microsoft.ML.Tokenizers <see cref="Tokenizer"/>, so <see cref="TextTokenizer.Inner"/> works for every format.
/// Token offsets are not tracked (every <see cref="EncodedToken.Offset"/> is empty); ids and values are exact.
/// </summary>
internal sealed class PieceTokenizer(Func<string, List<int>> encode, Func<int, string?> idToPiece, Func<IEnumerable<int>, string> decode) : Tokenizer
{
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string s = text ?? textSpan.ToString();
        var ids = s.Length == 0 ? [] : encode(s);
        int count = settings.MaxTokenCount > 0 ? Math.Min(settings.MaxTokenCount, ids.Count) : ids.Count;
        var tokens = new List<EncodedToken>(count);
        for (int i = 0; i < count; i++) tokens.Add(new EncodedToken(ids[i], idToPiece(ids[i]) ?? "", default));
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = s.Length };
    }

    public override string Decode(IEnumerable<int> ids) => decode(ids);

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        var list = ids.ToList();
        string s = decode(list);
        if (s.Length > destination.Length)
        {
            idsConsumed = 0;
            charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        s.AsSpan().CopyTo(destination);
        idsConsumed = list.Count;
        charsWritten = s.Length;
        return OperationStatus.Done;
    }
}
