using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmEmbed.Tokenization;

/// <summary>
/// Trains a byte-level BPE tokenizer (GPT-2 style: regex pre-tokenisation, byte alphabet, greedy most-frequent
/// pair merges) and writes it as a standard Hugging Face <c>tokenizer.json</c> + <c>tokenizer_config.json</c>, so
/// that it loads through the same path as any downloaded tokenizer. Ties between equally frequent pairs go to the
/// pair of lower ids, which makes training deterministic.
/// </summary>
public sealed class BpeTokenizerTrainer
{
    public const string EosToken = "<|endoftext|>";
    public const string BosToken = "<|startoftext|>";
    private static readonly string[] Specials = [EosToken, BosToken];

    public BpeTokenizerTrainer(int vocabSize, int minFrequency = 2)
    {
        if (vocabSize < 256 + Specials.Length + 1) throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"vocab size must exceed {256 + Specials.Length} (bytes + special tokens)");
        VocabSize = vocabSize;
        MinFrequency = minFrequency;
    }

    public int VocabSize { get; }
    public int MinFrequency { get; }

    /// <summary>Trains on the given texts; returns the merges in priority order (as pairs of token strings).</summary>
    public IReadOnlyList<(string Left, string Right)> Train(IEnumerable<string> texts, Action<string>? log = null, CancellationToken cancellation = default)
    {
        var regex = new Regex(HuggingFaceTokenizerJson.Gpt2Pattern, RegexOptions.Compiled);
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (Match m in regex.Matches(text))
            {
                ref long c = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(wordCounts, m.Value, out _);
                c++;
            }
        }
        log?.Invoke($"bpe: {wordCounts.Count:N0} distinct pre-tokens");
        var tokens = new List<string>(VocabSize);
        for (int b = 0; b < 256; b++) tokens.Add(ByteLevelAlphabet.Encode((byte)b).ToString());
        var words = new List<int[]>(wordCounts.Count);
        var counts = new List<long>(wordCounts.Count);
        foreach (var (w, c) in wordCounts)
        {
            var bytes = Encoding.UTF8.GetBytes(w);
            words.Add(bytes.Select(x => (int)x).ToArray());
            counts.Add(c);
        }
        var pairCounts = new Dictionary<long, long>();
        var where = new Dictionary<long, List<int>>();
        static long Key(int a, int b) => ((long)a << 32) | (uint)b;
        void AddPairs(int w, int sign)
        {
            var s = words[w];
            for (int i = 0; i + 1 < s.Length; i++)
            {
                long k = Key(s[i], s[i + 1]);
                ref long c = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, k, out _);
                c += sign * counts[w];
                if (sign > 0)
                {
                    if (!where.TryGetValue(k, out var list)) where[k] = list = [];
                    if (list.Count == 0 || list[^1] != w) list.Add(w);
                }
                else if (c == 0) pairCounts.Remove(k);
            }
        }
        for (int w = 0; w < words.Count; w++) AddPairs(w, +1);

        var merges = new List<(string, string)>();
        int target = VocabSize - Specials.Length;
        while (tokens.Count < target)
        {
            cancellation.ThrowIfCancellationRequested();
            long best = -1, bestCount = 0;
            foreach (var (k, c) in pairCounts)
                if (c > bestCount || (c == bestCount && k < best)) { best = k; bestCount = c; }
            if (best < 0 || bestCount < MinFrequency) break;
            int a = (int)(best >> 32), b = (int)(best & 0xffffffff), merged = tokens.Count;
            tokens.Add(tokens[a] + tokens[b]);
            merges.Add((tokens[a], tokens[b]));
            foreach (int w in where[best].ToArray())
            {
                var s = words[w];
                bool contains = false;
                for (int i = 0; i + 1 < s.Length; i++) if (s[i] == a && s[i + 1] == b) { contains = true; break; }
                if (!contains) continue;
                AddPairs(w, -1);
                var next = new List<int>(s.Length);
                for (int i = 0; i < s.Length; i++)
                {
                    if (i + 1 < s.Length && s[i] == a && s[i + 1] == b) { next.Add(merged); i++; }
                    else next.Add(s[i]);
                }
                words[w] = next.ToArray();
                AddPairs(w, +1);
            }
            where.Remove(best);
            pairCounts.Remove(best);
            if (merges.Count % 1000 == 0) log?.Invoke($"bpe: {merges.Count:N0} merges (last '{tokens[merged]}', count {bestCount:N0})");
        }
        return merges;
    }

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> for the given merges into <paramref name="dir"/>.</summary>
    public static void Save(string dir, IReadOnlyList<(string Left, string Right)> merges, int maxLength = 1024)
    {
        Directory.CreateDirectory(dir);
        var vocab = new JsonObject();
        int id = 0;
        foreach (var s in Specials) vocab[s] = id++;
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Encode((byte)b).ToString()] = id++;
        foreach (var (l, r) in merges) vocab[l + r] = id++;
        var added = new JsonArray();
        for (int i = 0; i < Specials.Length; i++)
            added.Add(new JsonObject { ["id"] = i, ["content"] = Specials[i], ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true });
        JsonObject ByteLevel() => new() { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(),
            ["post_processor"] = null,
            ["decoder"] = ByteLevel(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)new JsonArray(m.Left, m.Right)).ToArray()),
            },
        };
        var config = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            // Pretraining packs documents separated by EOS and never feeds BOS, so a BOS prefix would be an
            // untrained token at the start of every embedded text.
            ["add_bos_token"] = false,
            ["add_eos_token"] = false,
            ["bos_token"] = BosToken,
            ["eos_token"] = EosToken,
            ["pad_token"] = EosToken,
            ["model_max_length"] = maxLength,
        };
        WriteAtomically(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        WriteAtomically(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static void WriteAtomically(string path, string text) => AtomicFile.WriteAllText(path, text);
}
