using System.Text;
using System.Text.Json;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Reads contrastive training JSONL: one object per line with string fields <c>query</c> and <c>positive</c>, and
/// optional <c>negative</c> and <c>instruction</c> (string or null). Every malformed line is reported as
/// <c>file:line: reason</c>; with <see cref="BadRowPolicy.Skip"/> it is counted in the summary and left out, with
/// <see cref="BadRowPolicy.Fail"/> reading stops with an <see cref="InvalidDataException"/> naming it.
/// </summary>
public static class ContrastiveDataReader
{
    public static IReadOnlyList<ContrastiveExample> Read(string path, BadRowPolicy policy, DataValidationSummary summary, string? defaultInstruction = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training file not found: {path}", path);
        var rows = new List<ContrastiveExample>();
        int lineNumber = 0;
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        while (true)
        {
            string? line;
            try { line = reader.ReadLine(); }
            catch (DecoderFallbackException e) { throw new InvalidDataException($"{path}:{lineNumber + 1}: not valid UTF-8 ({e.Message})", e); }
            if (line is null) break;
            lineNumber++;
            var (example, reason, detail) = Parse(line, path, lineNumber, defaultInstruction);
            if (example != null)
            {
                rows.Add(example);
                summary.Kept();
                continue;
            }
            string location = $"{path}:{lineNumber}: {reason}{detail}";
            if (policy == BadRowPolicy.Fail) throw new InvalidDataException(location);
            summary.Skipped(reason!, location);
        }
        return rows;
    }

    /// <summary>
    /// Reads plain texts for unsupervised SimCSE (see <see cref="TrainingFileOptions.Simcse"/>): each non-blank text
    /// becomes the row (text, text) with no negative; blank texts are skipped and counted.
    /// </summary>
    public static IReadOnlyList<ContrastiveExample> ReadSimcse(string path, DataValidationSummary summary, string? defaultInstruction = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training file not found: {path}", path);
        var rows = new List<ContrastiveExample>();
        var texts = LlmEmbed.Embedding.EmbeddingFiles.ReadTexts(path);
        for (int i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                summary.Skipped("blank line", $"{path}:{i + 1}: blank line");
                continue;
            }
            rows.Add(new ContrastiveExample(texts[i], texts[i], null, defaultInstruction, path, i + 1));
            summary.Kept();
        }
        return rows;
    }

    /// <summary>A row, or the reason (a stable category) and detail of why the line is not one.</summary>
    private static (ContrastiveExample? Example, string? Reason, string Detail) Parse(string line, string path, int lineNumber, string? defaultInstruction)
    {
        if (string.IsNullOrWhiteSpace(line)) return (null, "blank line", "");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { return (null, "invalid JSON", $" ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "not a JSON object", $" (got {Kind(root.ValueKind)})");
            string? failure = null;
            string? Field(string name, bool required)
            {
                if (failure != null) return null;
                if (!root.TryGetProperty(name, out var v) || (v.ValueKind == JsonValueKind.Null && !required))
                {
                    if (required) failure = $"missing field '{name}'";
                    return null;
                }
                if (v.ValueKind != JsonValueKind.String) { failure = $"field '{name}' must be a string (got {Kind(v.ValueKind)})"; return null; }
                string s = v.GetString()!;
                if (string.IsNullOrWhiteSpace(s)) { failure = $"field '{name}' is empty"; return null; }
                return s;
            }
            string? query = Field("query", true);
            string? positive = Field("positive", true);
            string? negative = Field("negative", false);
            string? instruction = Field("instruction", false);
            if (failure != null) return (null, failure, "");
            return (new ContrastiveExample(query!, positive!, negative, instruction ?? defaultInstruction, path, lineNumber), null, "");
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
