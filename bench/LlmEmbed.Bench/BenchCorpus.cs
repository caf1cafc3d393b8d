using System.Text.Json;

namespace LlmEmbed.Bench;

/// <summary>Reads the shared jsonl datasets (formats in ../shared/data/README.md).</summary>
internal static class BenchCorpus
{
    public static IEnumerable<JsonElement> ReadJsonl(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"dataset file not found: {path}", path);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement row;
            try
            {
                row = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: invalid JSON: {e.Message}", e);
            }
            yield return row;
        }
    }

    public static string Field(JsonElement row, string name, string path) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{path}: row without string field '{name}'");

    /// <summary>(sentence1, sentence2, score) pairs of an STS test file.</summary>
    public static List<(string A, string B, double Score)> StsPairs(string path) =>
        ReadJsonl(path).Select(r => (Field(r, "sentence1", path), Field(r, "sentence2", path), r.GetProperty("score").GetDouble())).ToList();

    /// <summary>BEIR corpus documents as (id, "title text").</summary>
    public static List<(string Id, string Text)> BeirCorpus(string path) =>
        ReadJsonl(path).Select(r =>
        {
            string title = r.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            string text = Field(r, "text", path);
            return (Field(r, "_id", path), title.Length > 0 ? title + " " + text : text);
        }).ToList();

    public static List<(string Id, string Text)> BeirQueries(string path) =>
        ReadJsonl(path).Select(r => (Field(r, "_id", path), Field(r, "text", path))).ToList();

    /// <summary>query id -> (doc id -> grade) from a BEIR qrels tsv with a header line.</summary>
    public static Dictionary<string, IReadOnlyDictionary<string, int>> Qrels(string path)
    {
        var result = new Dictionary<string, Dictionary<string, int>>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (lineNumber == 1 || string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split('\t');
            if (parts.Length < 3 || !int.TryParse(parts[2], out int grade))
                throw new InvalidDataException($"{path}:{lineNumber}: expected query-id<TAB>corpus-id<TAB>integer score");
            if (!result.TryGetValue(parts[0], out var docs)) result[parts[0]] = docs = [];
            docs[parts[1]] = grade;
        }
        return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, int>)kv.Value);
    }

    /// <summary>(text, label) rows of a classification file.</summary>
    public static List<(string Text, string Label)> Classification(string path) =>
        ReadJsonl(path).Select(r => (Field(r, "text", path), r.GetProperty("label").ToString())).ToList();

    /// <summary>A deterministic sample of <paramref name="count"/> items (all when there are fewer).</summary>
    public static List<T> Sample<T>(IReadOnlyList<T> items, int count, int seed)
    {
        var rng = new Random(seed);
        var copy = items.ToList();
        for (int i = copy.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy.Take(count).ToList();
    }
}
