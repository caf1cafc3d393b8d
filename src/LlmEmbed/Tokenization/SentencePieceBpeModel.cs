using System.Text;

namespace LlmEmbed.Tokenization;

/// <summary>
/// SentencePiece-style BPE as Hugging Face runs it from a <c>tokenizer.json</c> (Llama 2, Mistral, converted
/// llama2.c vocabularies): added tokens are matched in the raw text first; every other segment gets a "▁" prepended
/// (when non-empty) and its spaces replaced by "▁"; each code point becomes its piece, or its UTF-8 bytes as
/// <c>&lt;0xXX&gt;</c> pieces (byte fallback), or <c>&lt;unk&gt;</c> (consecutive unknowns fused); then merges
/// apply by rank. Decoding maps "▁" back to spaces, byte pieces back to bytes, and strips one leading space.
/// </summary>
internal sealed class SentencePieceBpeModel
{
    public const char Space = '\u2581';

    private readonly string[] pieces;
    private readonly Dictionary<string, int> vocab;
    private readonly Dictionary<long, (int Rank, int Id)> merges;
    private readonly int[]? byteIds;
    private readonly int? unkId;
    private readonly bool fuseUnk;
    private readonly (string Content, int Id)[] added;
    private readonly HashSet<int> specialIds;
    private readonly Dictionary<int, byte> byteOfId = [];

    /// <param name="vocab">piece → id (regular pieces).</param>
    /// <param name="merges">merge pairs in priority order.</param>
    /// <param name="added">tokens matched verbatim in raw text, with whether each is special (dropped by decode).</param>
    public SentencePieceBpeModel(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyList<(string Content, int Id, bool Special)> added, bool byteFallback, string? unkToken, bool fuseUnk, string source)
    {
        this.vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var a in added) this.vocab.TryAdd(a.Content, a.Id);
        int size = this.vocab.Values.DefaultIfEmpty(-1).Max() + 1;
        pieces = new string[size];
        foreach (var (piece, id) in this.vocab)
        {
            if (id < 0) throw new InvalidDataException($"{source}: token '{piece}' has negative id {id}");
            pieces[id] ??= piece;
        }
        this.merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (l, r) = merges[rank];
            if (!this.vocab.TryGetValue(l, out int a) || !this.vocab.TryGetValue(r, out int b) || !this.vocab.TryGetValue(l + r, out int m))
                throw new InvalidDataException($"{source}: merge #{rank} '{l} {r}' uses a token that is not in the vocabulary");
            this.merges.TryAdd(Key(a, b), (rank, m));
        }
        if (byteFallback)
        {
            byteIds = new int[256];
            for (int i = 0; i < 256; i++)
            {
                string piece = $"<0x{i:X2}>";
                if (!this.vocab.TryGetValue(piece, out byteIds[i]))
                    throw new InvalidDataException($"{source}: byte_fallback is on but the vocabulary has no '{piece}' piece");
                byteOfId[byteIds[i]] = (byte)i;
            }
        }
        if (unkToken != null && this.vocab.TryGetValue(unkToken, out int u)) unkId = u;
        this.fuseUnk = fuseUnk;
        // Longest first, so a token that is a prefix of another never wins over it (HF matches leftmost-longest).
        this.added = added.Where(a => a.Content.Length > 0).OrderByDescending(a => a.Content.Length).Select(a => (a.Content, a.Id)).ToArray();
        specialIds = added.Where(a => a.Special).Select(a => a.Id).ToHashSet();
    }

    public IReadOnlyDictionary<string, int> Vocabulary => vocab;
    public int VocabSize => pieces.Length;
    public string? Piece(int id) => id >= 0 && id < pieces.Length ? pieces[id] : null;

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    public List<int> Encode(string text)
    {
        var result = new List<int>();
        int start = 0, i = 0;
        while (i < text.Length)
        {
            var hit = MatchAdded(text, i);
            if (hit is null) { i++; continue; }
            EncodeSegment(text[start..i], result);
            result.Add(hit.Value.Id);
            i += hit.Value.Length;
            start = i;
        }
        EncodeSegment(text[start..], result);
        return result;
    }

    private (int Id, int Length)? MatchAdded(string text, int at)
    {
        foreach (var (content, id) in added)
            if (string.CompareOrdinal(text, at, content, 0, content.Length) == 0) return (id, content.Length);
        return null;
    }

    private void EncodeSegment(string segment, List<int> output)
    {
        if (segment.Length == 0) return;
        string normalized = Space + segment.Replace(' ', Space);
        var symbols = new List<int>(normalized.Length);
        bool lastUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < normalized.Length;)
        {
            int len = char.IsSurrogatePair(normalized, i) ? 2 : 1;
            string ch = normalized.Substring(i, len);
            i += len;
            if (vocab.TryGetValue(ch, out int id)) { symbols.Add(id); lastUnk = false; continue; }
            if (byteIds != null)
            {
                int n = Encoding.UTF8.GetBytes(ch, utf8);
                for (int k = 0; k < n; k++) symbols.Add(byteIds[utf8[k]]);
                lastUnk = false;
                continue;
            }
            if (unkId is not { } unk) throw new InvalidDataException($"character U+{char.ConvertToUtf32(ch, 0):X4} is not in the vocabulary and the tokenizer has neither byte fallback nor an unknown token");
            if (!(fuseUnk && lastUnk)) symbols.Add(unk);
            lastUnk = true;
        }
        output.AddRange(PairMerger.Merge(symbols, (a, b) => merges.TryGetValue(Key(a, b), out var m) ? (m.Rank, m.Id) : null));
    }

    /// <summary>Text of <paramref name="ids"/>; special added tokens are dropped (like HF <c>skip_special_tokens</c>).</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        void Flush()
        {
            if (bytes.Count == 0) return;
            sb.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (int id in ids)
        {
            if (specialIds.Contains(id)) continue;
            if (byteOfId.TryGetValue(id, out byte b)) { bytes.Add(b); continue; }
            Flush();
            sb.Append((Piece(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary of {pieces.Length}")).Replace(Space, ' '));
        }
        Flush();
        return sb.Length > 0 && sb[0] == ' ' ? sb.ToString(1, sb.Length - 1) : sb.ToString();
    }
}
