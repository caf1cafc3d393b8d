using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LlmEmbed.Tokenization;

/// <summary>
/// Builds a Microsoft.ML.Tokenizers BPE tokenizer from Hugging Face files: <c>tokenizer.json</c> (model, merges,
/// added tokens, pre-tokenizer, normalizer) or GPT-2-style <c>vocab.json</c> + <c>merges.txt</c>.
/// Byte-level BPE (GPT-2, Qwen2, our own trained tokenizer) is mapped onto <see cref="BpeOptions.ByteLevel"/> with
/// the file's split regex; SentencePiece-style BPE in tokenizer.json (Llama/Mistral: "▁" prepending normaliser,
/// byte fallback, which Microsoft.ML.Tokenizers' BPE lacks) runs on <see cref="SentencePieceBpeModel"/>.
/// </summary>
internal static class HuggingFaceTokenizerJson
{
    /// <summary>The GPT-2 pre-tokenisation pattern, used by ByteLevel pre-tokenizers with <c>use_regex: true</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The pre-tokenisation pattern of HF's Qwen2Tokenizer (single digits, case-insensitive contractions).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static TextTokenizer Load(string path, TokenizerConfig config)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: no \"model\" object");
            string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            if (type != "BPE") throw new NotSupportedException($"{path}: tokenizer model type '{type}' is not supported (only BPE)");
            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var p in model.GetProperty("vocab").EnumerateObject()) vocab[p.Name] = p.Value.GetInt32();
            var merges = new List<string>();
            foreach (var m in model.GetProperty("merges").EnumerateArray())
                merges.Add(m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!);
            var added = new Dictionary<string, int>(StringComparer.Ordinal);
            if (root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array)
                foreach (var a in at.EnumerateArray()) added[a.GetProperty("content").GetString()!] = a.GetProperty("id").GetInt32();

            bool byteLevel = ContainsType(root, "pre_tokenizer", "ByteLevel") || ContainsType(root, "decoder", "ByteLevel");
            if (!byteLevel) return LoadSentencePieceStyle(path, root, model, vocab, merges, config);
            string pattern = SplitPattern(root) ?? Gpt2Pattern;
            Normalizer? normalizer = ContainsType(root, "normalizer", "NFC") ? new UnicodeFormNormalizer(NormalizationForm.FormC) : null;
            var all = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
            foreach (var (k, v) in added) all[k] = v;
            return Build(vocab, merges, added, pattern, normalizer, config, [path], "tokenizer.json (byte-level BPE)", all);
        }
    }

    /// <summary>
    /// SentencePiece-style BPE (Llama 2 / Mistral HF conversions): normaliser Prepend "▁" + Replace " " → "▁", no
    /// pre-tokenizer, byte fallback. Anything else that is not byte-level is rejected rather than encoded wrongly.
    /// </summary>
    private static TextTokenizer LoadSentencePieceStyle(string path, JsonElement root, JsonElement model, Dictionary<string, int> vocab, List<string> merges, TokenizerConfig config)
    {
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind != JsonValueKind.Null)
            throw new NotSupportedException($"{path}: pre_tokenizer '{TypeName(pre)}' is not supported for non-byte-level BPE (supported: none, with normalizer Prepend \"▁\" + Replace \" \" → \"▁\")");
        if (!root.TryGetProperty("normalizer", out var norm) || !IsSentencePieceNormalizer(norm))
            throw new NotSupportedException($"{path}: normalizer '{(norm.ValueKind == JsonValueKind.Object ? TypeName(norm) : "none")}' is not supported for non-byte-level BPE (expected Sequence[Prepend \"▁\", Replace \" \" → \"▁\"])");
        bool byteFallback = model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True;
        bool fuseUnk = model.TryGetProperty("fuse_unk", out var fu) && fu.ValueKind == JsonValueKind.True;
        string? unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var added = new List<(string, int, bool)>();
        if (root.TryGetProperty("added_tokens", out var at) && at.ValueKind == JsonValueKind.Array)
            foreach (var a in at.EnumerateArray())
                added.Add((a.GetProperty("content").GetString()!, a.GetProperty("id").GetInt32(), a.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True));
        var pairs = new List<(string, string)>(merges.Count);
        for (int i = 0; i < merges.Count; i++)
        {
            int space = merges[i].IndexOf(' ');
            if (space <= 0 || space == merges[i].Length - 1) throw new InvalidDataException($"{path}: merge #{i} '{merges[i]}' is not two tokens");
            pairs.Add((merges[i][..space], merges[i][(space + 1)..]));
        }
        var sp = new SentencePieceBpeModel(vocab, pairs, added, byteFallback, unk, fuseUnk, path);
        int? Id(string token) => sp.Vocabulary.TryGetValue(token, out int id) ? id : null;
        var inner = new PieceTokenizer(sp.Encode, sp.Piece, sp.Decode);
        return TextTokenizer.Create(inner, sp.Vocabulary, sp.Encode, sp.VocabSize, Id("<s>"), Id("</s>"), config, defaultAddBos: true, [path], "tokenizer.json (SentencePiece-style BPE)");
    }

    private static string TypeName(JsonElement e) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) ? t.GetString() ?? "?" : "?";

    private static bool IsSentencePieceNormalizer(JsonElement norm)
    {
        if (norm.ValueKind != JsonValueKind.Object || TypeName(norm) != "Sequence" || !norm.TryGetProperty("normalizers", out var list)) return false;
        var items = list.EnumerateArray().ToList();
        return items.Count == 2
            && TypeName(items[0]) == "Prepend" && items[0].GetProperty("prepend").GetString() == "\u2581"
            && TypeName(items[1]) == "Replace" && items[1].GetProperty("pattern").TryGetProperty("String", out var from) && from.GetString() == " "
            && items[1].GetProperty("content").GetString() == "\u2581";
    }

    public static TextTokenizer LoadVocabMerges(string vocabPath, string mergesPath, TokenizerConfig config)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath)) ?? throw new InvalidDataException($"{vocabPath}: empty vocabulary");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabPath}: invalid JSON: {e.Message}", e);
        }
        var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();
        // The files do not say how to split text: like HF's slow tokenizers, that follows tokenizer_class (Qwen2Tokenizer:
        // its own regex and NFC; anything else: GPT-2). Added tokens come from tokenizer_config's added_tokens_decoder;
        // without one (GPT-2's original files) "<|endoftext|>" in text stays plain characters, as in OpenAI's encoder.
        bool qwen2 = config.TokenizerClass == "Qwen2Tokenizer";
        var added = config.AddedTokens.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
        var all = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var (k, v) in added) all[k] = v;
        return Build(vocab, merges, added, qwen2 ? Qwen2Pattern : Gpt2Pattern, qwen2 ? new UnicodeFormNormalizer(NormalizationForm.FormC) : null,
            config, [vocabPath, mergesPath], "vocab.json + merges.txt (byte-level BPE)", all);
    }

    private static TextTokenizer Build(Dictionary<string, int> vocab, List<string> merges, Dictionary<string, int> added, string pattern, Normalizer? normalizer,
        TokenizerConfig config, string[] files, string kind, Dictionary<string, int> all)
    {
        var specials = added.Count > 0 ? added : null;
        var bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = specials,
            Normalizer = normalizer,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), specials),
        });
        int vocabSize = all.Values.DefaultIfEmpty(-1).Max() + 1;
        // Normalise explicitly: the BPE tokenizer does not apply the normaliser on this path (Qwen2's NFC would be lost).
        return TextTokenizer.Create(bpe, all, text => bpe.EncodeToIds(normalizer?.Normalize(text) ?? text), vocabSize, null, null, config, defaultAddBos: false, files, kind);
    }

    private static bool ContainsType(JsonElement root, string property, string type) =>
        root.TryGetProperty(property, out var e) && e.ValueKind == JsonValueKind.Object && HasType(e, type);

    private static bool HasType(JsonElement e, string type)
    {
        if (e.TryGetProperty("type", out var t) && t.GetString() == type) return true;
        foreach (var listName in new[] { "pretokenizers", "normalizers", "decoders" })
            if (e.TryGetProperty(listName, out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var item in list.EnumerateArray()) if (HasType(item, type)) return true;
        return false;
    }

    /// <summary>The regex of a <c>Split</c> pre-tokenizer (Qwen2 style), if any.</summary>
    private static string? SplitPattern(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object) return null;
        IEnumerable<JsonElement> items = pre.TryGetProperty("pretokenizers", out var list) ? list.EnumerateArray() : [pre];
        foreach (var item in items)
            if (item.TryGetProperty("type", out var t) && t.GetString() == "Split" && item.TryGetProperty("pattern", out var p) && p.TryGetProperty("Regex", out var r))
                return r.GetString();
        return null;
    }
}
