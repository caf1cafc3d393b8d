using System.Text;
using System.Text.Json.Nodes;

namespace LlmEmbed.Tokenization;

/// <summary>
/// llama2.c's <c>tokenizer.bin</c>: int32 <c>max_token_length</c>, then per token float32 score, int32 byte length
/// and the raw UTF-8 bytes (the token count is not stored: records run to the end of the file). Ids 0 = &lt;unk&gt;,
/// 1 = BOS, 2 = EOS, 3..258 = byte pieces. Encoding is run.c's own algorithm, not SentencePiece's: a dummy-prefix
/// space, one symbol per code point (or its bytes as id byte + 3), then repeatedly merge the adjacent pair whose
/// concatenation has the highest score (leftmost on ties). Pieces are held as Latin-1 strings of their bytes so
/// concatenation and lookup are byte-exact like run.c's <c>strcmp</c>.
/// </summary>
internal sealed class Llama2cTokenizer
{
    public const int BosId = 1, EosId = 2, ByteOffset = 3;

    private readonly string[] pieces;   // Latin-1 view of each token's bytes
    private readonly float[] scores;
    private readonly Dictionary<string, int> lookup = new(StringComparer.Ordinal);
    private readonly string path;

    private Llama2cTokenizer(string[] pieces, float[] scores, int maxTokenLength, string path)
    {
        this.pieces = pieces;
        this.scores = scores;
        this.path = path;
        MaxTokenLength = maxTokenLength;
        for (int i = 0; i < pieces.Length; i++) lookup.TryAdd(pieces[i], i);
    }

    public int MaxTokenLength { get; }
    public int VocabSize => pieces.Length;
    public float Score(int id) => scores[id];

    /// <summary>The UTF-8 text of a token ("" for a piece that is not valid UTF-8 on its own).</summary>
    public string Text(int id) => Utf8(pieces[id]);

    public static Llama2cTokenizer Read(string path, int? expectedVocabSize = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"llama2.c tokenizer not found: {path}", path);
        byte[] data = File.ReadAllBytes(path);
        if (data.Length < 4) throw new InvalidDataException($"{path}: file is {data.Length} bytes, too short for a llama2.c tokenizer");
        int maxLen = BitConverter.ToInt32(data, 0);
        if (maxLen <= 0 || maxLen > 1 << 16) throw new InvalidDataException($"{path}: max_token_length {maxLen} is out of range: not a llama2.c tokenizer.bin");
        var pieces = new List<string>();
        var scores = new List<float>();
        int at = 4;
        while (at < data.Length && (expectedVocabSize is not { } n || pieces.Count < n))
        {
            int id = pieces.Count;
            if (at + 8 > data.Length) throw new InvalidDataException($"{path}: token {id}: file ends inside its score/length fields (truncated)");
            float score = BitConverter.ToSingle(data, at);
            int len = BitConverter.ToInt32(data, at + 4);
            at += 8;
            if (len < 0 || len > maxLen) throw new InvalidDataException($"{path}: token {id}: length {len} is outside 0..max_token_length {maxLen}");
            if (at + len > data.Length) throw new InvalidDataException($"{path}: token {id}: file ends inside its {len} bytes (truncated)");
            if (!float.IsFinite(score)) throw new InvalidDataException($"{path}: token {id}: score {score} is not finite");
            pieces.Add(Encoding.Latin1.GetString(data, at, len));
            scores.Add(score);
            at += len;
        }
        if (expectedVocabSize is { } expected && pieces.Count != expected)
            throw new InvalidDataException($"{path}: holds {pieces.Count} tokens, the model expects {expected}");
        if (pieces.Count < ByteOffset + 256) throw new InvalidDataException($"{path}: holds {pieces.Count} tokens, fewer than the 3 special + 256 byte tokens llama2.c needs");
        for (int b = 0; b < 256; b++)
            if (pieces[ByteOffset + b] != $"<0x{b:X2}>") throw new InvalidDataException($"{path}: token {ByteOffset + b} is '{pieces[ByteOffset + b]}', expected byte piece <0x{b:X2}>");
        return new Llama2cTokenizer([.. pieces], [.. scores], maxLen, path);
    }

    /// <summary>Loads tokenizer.bin as a <see cref="TextTokenizer"/>; BOS is added by default (run.c's encode(bos=1)).</summary>
    public static TextTokenizer Load(string path, TokenizerConfig config)
    {
        var tok = Read(path);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tok.VocabSize; i++) vocabulary.TryAdd(tok.Text(i), i);
        var inner = new PieceTokenizer(tok.Encode, id => id >= 0 && id < tok.VocabSize ? tok.Text(id) : null, tok.Decode);
        // BOS/EOS are fixed ids in llama2.c; their pieces ("\n<s>\n") are not what a tokenizer_config would name.
        var fixedConfig = config with { BosToken = null, EosToken = null };
        return TextTokenizer.Create(inner, vocabulary, tok.Encode, tok.VocabSize, BosId, EosId, fixedConfig, defaultAddBos: true, [path],
            "llama2.c tokenizer.bin", tok.WriteHuggingFaceFiles);
    }

    /// <summary>run.c <c>encode(text, bos=0, eos=0)</c>.</summary>
    public List<int> Encode(string text)
    {
        var symbols = new List<int>();
        if (text.Length == 0) return symbols;
        if (!lookup.TryGetValue(" ", out int space)) throw new InvalidDataException($"{path}: the vocabulary has no \" \" token for the dummy prefix");
        symbols.Add(space);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < bytes.Length;)
        {
            int j = i + 1;
            while (j < bytes.Length && j - i < 4 && (bytes[j] & 0xC0) == 0x80) j++;
            if (lookup.TryGetValue(Encoding.Latin1.GetString(bytes, i, j - i), out int id)) symbols.Add(id);
            else for (int k = i; k < j; k++) symbols.Add(bytes[k] + ByteOffset);
            i = j;
        }
        return PairMerger.Merge(symbols, (a, b) =>
            lookup.TryGetValue(pieces[a] + pieces[b], out int m) ? (-(double)scores[m], m) : null);
    }

    /// <summary>
    /// run.c's decode: byte pieces become raw bytes, and the dummy-prefix space of the first piece is dropped (run.c
    /// strips it after BOS; a sequence always starts with BOS or that prefix). Special tokens 0..2 produce no text.
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        bool first = true;
        foreach (int id in ids)
        {
            if (id < 0 || id >= pieces.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary of {pieces.Length}");
            if (id < ByteOffset) continue;
            if (id < ByteOffset + 256) bytes.Add((byte)(id - ByteOffset));
            else
            {
                string p = pieces[id];
                if (first && p.StartsWith(' ')) p = p[1..];
                foreach (char c in p) bytes.Add((byte)c);
            }
            first = false;
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string Utf8(string latin1) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(latin1));

    /// <summary>
    /// Writes an equivalent Hugging Face SentencePiece-style <c>tokenizer.json</c> (spaces as "▁", &lt;unk&gt;/&lt;s&gt;/&lt;/s&gt;
    /// for ids 0..2, merges derived from the scores the way HF's SentencePiece converter does: every split of a piece
    /// into two vocabulary pieces, ordered by the merged piece's score, then by the left and right ids) plus a
    /// <c>tokenizer_config.json</c> (BOS added, EOS not).
    /// </summary>
    public void WriteHuggingFaceFiles(string dir)
    {
        Directory.CreateDirectory(dir);
        var names = new string[pieces.Length];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pieces.Length; i++)
        {
            byte[] raw = Encoding.Latin1.GetBytes(pieces[i]);
            string text;
            try { text = new UTF8Encoding(false, true).GetString(raw); }
            catch (DecoderFallbackException) { throw new NotSupportedException($"{path}: token {i} is not valid UTF-8 and cannot be written to tokenizer.json"); }
            names[i] = i switch { 0 => "<unk>", BosId => "<s>", EosId => "</s>", _ => text.Replace(' ', SentencePieceBpeModel.Space) };
            if (!ids.TryAdd(names[i], i)) throw new NotSupportedException($"{path}: tokens {ids[names[i]]} and {i} both map to '{names[i]}' in tokenizer.json");
        }
        var merges = new List<(string L, string R, float Score, int Merged, int Li, int Ri)>();
        for (int id = ByteOffset + 256; id < names.Length; id++)
        {
            string s = names[id];
            for (int k = 1; k < s.Length; k++)
            {
                if (char.IsLowSurrogate(s[k])) continue;
                if (ids.TryGetValue(s[..k], out int l) && ids.TryGetValue(s[k..], out int r) && l > EosId && r > EosId)
                    merges.Add((s[..k], s[k..], scores[id], id, l, r));
            }
        }
        var ordered = merges.OrderByDescending(m => m.Score).ThenBy(m => m.Merged).ThenBy(m => m.Li).ThenBy(m => m.Ri);
        var vocabJson = new JsonObject();
        for (int i = 0; i < names.Length; i++) vocabJson[names[i]] = i;
        JsonObject Added(int id) => new()
        {
            ["id"] = id, ["content"] = names[id], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        };
        string sp = SentencePieceBpeModel.Space.ToString();
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(0), Added(BosId), Added(EosId)),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = sp },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = sp }),
            },
            ["pre_tokenizer"] = null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
                ["pair"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "<s>", ["type_id"] = 1 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "B", ["type_id"] = 1 } }),
                ["special_tokens"] = new JsonObject { ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(BosId), ["tokens"] = new JsonArray("<s>") } },
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = sp }, ["content"] = " " },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" },
                    new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<unk>",
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocabJson,
                ["merges"] = new JsonArray(ordered.Select(m => (JsonNode)$"{m.L} {m.R}").ToArray()),
            },
        };
        var config = new JsonObject
        {
            ["add_bos_token"] = true,
            ["add_eos_token"] = false,
            ["bos_token"] = "<s>",
            ["eos_token"] = "</s>",
            ["unk_token"] = "<unk>",
            ["pad_token"] = null,
            ["legacy"] = true,
            ["model_max_length"] = 1 << 20,
            ["tokenizer_class"] = "LlamaTokenizer",
            ["clean_up_tokenization_spaces"] = false,
        };
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        WriteAtomically(Path.Combine(dir, "tokenizer.json"), root.ToJsonString(options));
        WriteAtomically(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString(options));
    }

    private static void WriteAtomically(string path, string text) => AtomicFile.WriteAllText(path, text);
}
