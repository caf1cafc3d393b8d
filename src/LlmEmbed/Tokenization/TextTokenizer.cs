using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace LlmEmbed.Tokenization;

/// <summary>
/// A tokenizer loaded from a model folder, wrapping Microsoft.ML.Tokenizers. The underlying tokenizer never adds
/// special tokens itself: BOS/EOS follow <c>tokenizer_config.json</c> (<c>add_bos_token</c>, <c>add_eos_token</c>)
/// unless overridden, so every format behaves the same way for the embedding and training code.
/// Supported files, in order of preference: <c>tokenizer.model</c> (SentencePiece), <c>tokenizer.json</c>,
/// <c>vocab.json</c> + <c>merges.txt</c>, llama2.c <c>tokenizer.bin</c>.
/// </summary>
public sealed class TextTokenizer
{
    private readonly Tokenizer inner;
    private readonly IReadOnlyDictionary<string, int> vocabulary;
    private readonly Func<string, IReadOnlyList<int>> encodeRaw;
    private readonly string[] sourceFiles;
    private readonly Action<string>? writeFiles;

    private TextTokenizer(Tokenizer inner, IReadOnlyDictionary<string, int> vocabulary, Func<string, IReadOnlyList<int>> encodeRaw,
        int vocabSize, int? bos, int? eos, int? pad, bool addBos, bool addEos, string[] sourceFiles, string kind, Action<string>? writeFiles)
    {
        this.writeFiles = writeFiles;
        this.inner = inner;
        this.vocabulary = vocabulary;
        this.encodeRaw = encodeRaw;
        VocabSize = vocabSize;
        BosId = bos;
        EosId = eos;
        PadId = pad;
        AddBos = addBos;
        AddEos = addEos;
        this.sourceFiles = sourceFiles;
        Kind = kind;
    }

    /// <summary>Which file format the tokenizer came from (sentencepiece, tokenizer.json, ...).</summary>
    public string Kind { get; }

    /// <summary>Number of ids the tokenizer can produce (including added/special tokens).</summary>
    public int VocabSize { get; }
    public int? BosId { get; }
    public int? EosId { get; }

    /// <summary>The padding id from the config; callers fall back to EOS (padding is always masked anyway).</summary>
    public int? PadId { get; }

    /// <summary>Whether <see cref="Encode"/> prepends BOS when special tokens are requested.</summary>
    public bool AddBos { get; init; }

    /// <summary>Whether <see cref="Encode"/> appends EOS when special tokens are requested.</summary>
    public bool AddEos { get; init; }

    /// <summary>The underlying Microsoft.ML.Tokenizers object.</summary>
    public Tokenizer Inner => inner;

    /// <summary>Loads the tokenizer of a model folder (see the class summary for the formats).</summary>
    public static TextTokenizer Load(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"tokenizer folder not found: {dir}");
        var config = TokenizerConfig.Load(dir);
        string sp = Path.Combine(dir, "tokenizer.model");
        if (File.Exists(sp)) return FromSentencePiece(sp, config);
        string json = Path.Combine(dir, "tokenizer.json");
        if (File.Exists(json)) return HuggingFaceTokenizerJson.Load(json, config);
        string vocab = Path.Combine(dir, "vocab.json"), merges = Path.Combine(dir, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges)) return HuggingFaceTokenizerJson.LoadVocabMerges(vocab, merges, config);
        string bin = Path.Combine(dir, "tokenizer.bin");
        if (File.Exists(bin)) return Llama2cTokenizer.Load(bin, config);
        throw new FileNotFoundException($"{dir}: no tokenizer.model, tokenizer.json, vocab.json + merges.txt or tokenizer.bin found");
    }

    /// <summary>Loads a single tokenizer file (tokenizer.model, tokenizer.json or llama2.c tokenizer.bin).</summary>
    public static TextTokenizer LoadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        var config = TokenizerConfig.Load(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".model" => FromSentencePiece(path, config),
            ".json" => HuggingFaceTokenizerJson.Load(path, config),
            ".bin" => Llama2cTokenizer.Load(path, config),
            _ => throw new InvalidDataException($"{path}: unknown tokenizer file type (expected .model, .json or .bin)"),
        };
    }

    internal static TextTokenizer Create(Tokenizer inner, IReadOnlyDictionary<string, int> vocabulary, Func<string, IReadOnlyList<int>> encodeRaw,
        int vocabSize, int? bos, int? eos, TokenizerConfig config, bool defaultAddBos, string[] sourceFiles, string kind, Action<string>? writeFiles = null)
    {
        int? Id(string? token) => token != null && vocabulary.TryGetValue(token, out int id) ? id : null;
        int? b = Id(config.BosToken) ?? bos, e = Id(config.EosToken) ?? eos;
        return new TextTokenizer(inner, vocabulary, encodeRaw, vocabSize, b, e, Id(config.PadToken),
            config.AddBosToken ?? defaultAddBos, config.AddEosToken ?? false, [.. sourceFiles, .. config.SourceFiles], kind, writeFiles);
    }

    private static TextTokenizer FromSentencePiece(string path, TokenizerConfig config)
    {
        SentencePieceTokenizer sp;
        try
        {
            using var stream = File.OpenRead(path);
            sp = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a valid SentencePiece model: {e.Message}", e);
        }
        var vocab = sp.Vocabulary;
        return Create(sp, vocab, text => sp.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false, considerPreTokenization: true, considerNormalization: true),
            vocab.Count, sp.BeginningOfSentenceId, sp.EndOfSentenceId, config, defaultAddBos: true, [path], "sentencepiece");
    }

    /// <summary>Token ids of <paramref name="text"/>, with BOS/EOS per the config when <paramref name="addSpecialTokens"/>.</summary>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true) => Encode(text, addSpecialTokens && AddBos, addSpecialTokens && AddEos);

    /// <summary>Token ids with explicit control of BOS and EOS (the embedding path always appends EOS).</summary>
    public IReadOnlyList<int> Encode(string text, bool addBos, bool addEos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = text.Length == 0 ? [] : encodeRaw(text);
        if (!addBos && !addEos) return ids;
        var result = new List<int>(ids.Count + 2);
        if (addBos && BosId is { } b) result.Add(b);
        result.AddRange(ids);
        if (addEos && EosId is { } e) result.Add(e);
        return result;
    }

    /// <summary>Ids truncated to at most <paramref name="maxLength"/>, keeping the special tokens at the ends.</summary>
    public IReadOnlyList<int> Encode(string text, bool addBos, bool addEos, int maxLength)
    {
        if (maxLength < 1) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "max length must be at least 1");
        var ids = Encode(text, addBos: false, addEos: false);
        int special = (addBos && BosId != null ? 1 : 0) + (addEos && EosId != null ? 1 : 0);
        int keep = Math.Max(0, Math.Min(ids.Count, maxLength - special));
        var result = new List<int>(keep + special);
        if (addBos && BosId is { } b) result.Add(b);
        for (int i = 0; i < keep; i++) result.Add(ids[i]);
        if (addEos && EosId is { } e) result.Add(e);
        return result.Count > maxLength ? result.GetRange(0, maxLength) : result;
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens (BOS, EOS, added special tokens) produce no text.</summary>
    public string Decode(IEnumerable<int> ids) => inner.Decode(ids) ?? "";

    /// <summary>
    /// Only the text of <paramref name="ids"/>: BOS, EOS, padding and a byte-level BPE's added special tokens
    /// (e.g. <c>&lt;|startoftext|&gt;</c>) are dropped before decoding, since <see cref="Decode"/> spells those out
    /// for byte-level BPE.
    /// </summary>
    public string DecodeText(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var special = new HashSet<int>();
        foreach (int? id in new[] { BosId, EosId, PadId })
            if (id is { } i) special.Add(i);
        if (inner is BpeTokenizer { SpecialTokens: { } added }) special.UnionWith(added.Values);
        return Decode(ids.Where(id => !special.Contains(id)));
    }

    public int? TokenToId(string token) => vocabulary.TryGetValue(token, out int id) ? id : null;

    /// <summary>
    /// Makes a model folder self-contained: copies the files the tokenizer was loaded from, except for llama2.c
    /// tokenizer.bin, which is written as an equivalent Hugging Face tokenizer.json + tokenizer_config.json.
    /// </summary>
    public void SaveTo(string dir)
    {
        Directory.CreateDirectory(dir);
        if (writeFiles != null)
        {
            writeFiles(dir);
            return;
        }
        foreach (var f in sourceFiles.Distinct())
        {
            string target = Path.Combine(dir, Path.GetFileName(f));
            if (Path.GetFullPath(target) == Path.GetFullPath(f)) continue;
            File.Copy(f, target, overwrite: true);
        }
    }
}
