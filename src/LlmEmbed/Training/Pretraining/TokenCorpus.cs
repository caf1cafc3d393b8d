using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Training.Pretraining;

/// <summary>What a token cache holds, stored as <c>corpus.json</c> beside the token files.</summary>
public sealed record TokenCorpusInfo
{
    public required string Key { get; init; }
    public required int BytesPerToken { get; init; }
    public required long TrainTokens { get; init; }
    public required long ValidationTokens { get; init; }
    public required long TrainBytes { get; init; }
    public required long ValidationBytes { get; init; }
    public required long TrainDocuments { get; init; }
    public required long ValidationDocuments { get; init; }
    public required IReadOnlyList<string> Files { get; init; }
}

/// <summary>
/// Plain-text files tokenised once into a cache: documents (separated by blank lines) are tokenised, each
/// followed by EOS, and written to <c>train.tokens</c> or <c>validation.tokens</c>. Which split a document goes
/// to depends only on a hash of its file name and position, so the held-out slice is stable across runs and
/// never appears in training. The cache is keyed by the files (names, sizes, times), the tokenizer and the
/// validation fraction, and rebuilt when any of them changes.
/// </summary>
public static class TokenCorpus
{
    public const string TrainFile = "train.tokens";
    public const string ValidationFile = "validation.tokens";
    public const string InfoFile = "corpus.json";

    /// <summary>Splits a text into documents at blank lines (the pretraining corpus format).</summary>
    public static IEnumerable<string> Documents(TextReader reader)
    {
        var current = new StringBuilder();
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (line.Trim().Length == 0)
            {
                if (current.Length > 0) yield return current.ToString();
                current.Clear();
                continue;
            }
            if (current.Length > 0) current.Append('\n');
            current.Append(line);
        }
        if (current.Length > 0) yield return current.ToString();
    }

    /// <summary>True when the document at this position is held out (deterministic in file name and index).</summary>
    public static bool IsValidation(string fileName, long documentIndex, double fraction)
    {
        if (fraction <= 0) return false;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{fileName}\n{documentIndex}"), hash);
        ulong value = BitConverter.ToUInt64(hash);
        return value / (double)ulong.MaxValue < fraction;
    }

    /// <summary>Builds the cache in <paramref name="cacheDir"/> unless an identical one exists; returns its description.</summary>
    public static TokenCorpusInfo Build(IReadOnlyList<string> files, TextTokenizer tokenizer, string tokenizerId, string cacheDir, double validationFraction,
        Action<string>? log = null, CancellationToken cancellation = default)
    {
        if (files.Count == 0) throw new ArgumentException("no pretraining text files were given", nameof(files));
        foreach (var f in files)
            if (!File.Exists(f)) throw new FileNotFoundException($"pretraining file not found: {f}", f);
        if (validationFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "validation fraction must be in [0, 1)");
        int eos = tokenizer.EosId ?? throw new InvalidDataException("the tokenizer has no EOS token to separate documents");
        int width = tokenizer.VocabSize <= ushort.MaxValue + 1 ? 2 : 4;

        var ordered = files.Select(Path.GetFullPath).OrderBy(f => f, StringComparer.Ordinal).ToList();
        string key = CacheKey(ordered, tokenizerId, validationFraction, width);
        string infoPath = Path.Combine(cacheDir, InfoFile);
        if (File.Exists(infoPath))
        {
            var existing = JsonSerializer.Deserialize<TokenCorpusInfo>(File.ReadAllText(infoPath));
            if (existing?.Key == key && File.Exists(Path.Combine(cacheDir, TrainFile)) && File.Exists(Path.Combine(cacheDir, ValidationFile)))
            {
                log?.Invoke($"token cache {cacheDir} is up to date ({existing.TrainTokens:N0} train / {existing.ValidationTokens:N0} validation tokens)");
                return existing;
            }
        }

        Directory.CreateDirectory(cacheDir);
        string trainTmp = Path.Combine(cacheDir, TrainFile + ".tmp"), valTmp = Path.Combine(cacheDir, ValidationFile + ".tmp");
        long trainTokens = 0, valTokens = 0, trainBytes = 0, valBytes = 0, trainDocs = 0, valDocs = 0;
        using (var train = new BufferedStream(File.Create(trainTmp), 1 << 20))
        using (var val = new BufferedStream(File.Create(valTmp), 1 << 20))
        {
            foreach (var file in ordered)
            {
                cancellation.ThrowIfCancellationRequested();
                string name = Path.GetFileName(file);
                List<string> docs;
                using (var reader = new StreamReader(file, Encoding.UTF8)) docs = Documents(reader).ToList();
                // Tokenising is the slow part; documents are independent, so use every core and write in order.
                var encoded = new int[docs.Count][];
                Parallel.For(0, docs.Count, new ParallelOptions { CancellationToken = cancellation }, i =>
                {
                    var ids = tokenizer.Encode(docs[i], addSpecialTokens: false);
                    var withEos = new int[ids.Count + 1];
                    for (int j = 0; j < ids.Count; j++) withEos[j] = ids[j];
                    withEos[^1] = eos;
                    encoded[i] = withEos;
                });
                for (int i = 0; i < docs.Count; i++)
                {
                    long bytes = Encoding.UTF8.GetByteCount(docs[i]) + 1; // + the separator the EOS stands for
                    if (IsValidation(name, i, validationFraction))
                    {
                        TokenFile.Write(val, encoded[i], width);
                        valTokens += encoded[i].Length; valBytes += bytes; valDocs++;
                    }
                    else
                    {
                        TokenFile.Write(train, encoded[i], width);
                        trainTokens += encoded[i].Length; trainBytes += bytes; trainDocs++;
                    }
                }
                log?.Invoke($"tokenised {name}: {docs.Count:N0} documents ({trainTokens + valTokens:N0} tokens so far)");
            }
        }
        if (trainTokens == 0) throw new InvalidDataException("the pretraining files hold no text (every document went to validation or the files are empty)");
        File.Move(trainTmp, Path.Combine(cacheDir, TrainFile), overwrite: true);
        File.Move(valTmp, Path.Combine(cacheDir, ValidationFile), overwrite: true);
        var info = new TokenCorpusInfo
        {
            Key = key, BytesPerToken = width, TrainTokens = trainTokens, ValidationTokens = valTokens, TrainBytes = trainBytes, ValidationBytes = valBytes,
            TrainDocuments = trainDocs, ValidationDocuments = valDocs, Files = ordered,
        };
        AtomicFile.WriteAllText(infoPath, JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
        return info;
    }

    private static string CacheKey(IReadOnlyList<string> files, string tokenizerId, double fraction, int width)
    {
        var sb = new StringBuilder();
        sb.Append(tokenizerId).Append('|').Append(fraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('|').Append(width);
        foreach (var f in files)
        {
            var fi = new FileInfo(f);
            sb.Append('|').Append(f).Append(':').Append(fi.Length).Append(':').Append(fi.LastWriteTimeUtc.Ticks);
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}
