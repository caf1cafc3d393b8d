using System.Collections.Concurrent;
using System.Text.Json;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Tokenization;

/// <summary>The reference tokenizations in ../shared/models/tokenizers/*/golden_ids.jsonl and cached tokenizers.</summary>
internal static class TokenizerGolden
{
    public const int Count = 24;

    private static readonly ConcurrentDictionary<string, JsonElement[]> Lines = new();
    private static readonly ConcurrentDictionary<string, Lazy<TextTokenizer>> Tokenizers = new();

    public static string Dir(string name) => TestPaths.Models("tokenizers", name);

    public static JsonElement Line(string name, int id) => Lines.GetOrAdd(name, n =>
        File.ReadLines(Path.Combine(Dir(n), "golden_ids.jsonl")).Where(l => l.Length > 0)
            .Select(l => { using var d = JsonDocument.Parse(l); return d.RootElement.Clone(); }).ToArray())[id];

    public static string Text(string name, int id) => Line(name, id).GetProperty("text").GetString()!;

    public static int[] Ids(string name, int id, string field) => Line(name, id).GetProperty(field).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static string Decoded(string name, int id) => Line(name, id).GetProperty("decoded").GetString()!;

    /// <summary>One tokenizer per key, loaded once for all tests (the Qwen file alone is 11 MB of JSON).</summary>
    public static TextTokenizer Get(string key, Func<TextTokenizer> load) => Tokenizers.GetOrAdd(key, _ => new Lazy<TextTokenizer>(load)).Value;

    public static IEnumerable<object[]> Cases() => Enumerable.Range(0, Count).Select(i => new object[] { i });
}
