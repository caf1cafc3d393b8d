using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmEmbed.Embedding;

/// <summary>Input and output files of <c>llm-embed embed</c>.</summary>
public static class EmbeddingFiles
{
    /// <summary>
    /// Reads texts: <c>.jsonl</c> → the string field <c>text</c> of each non-empty line; anything else → one text per line
    /// (empty lines kept, a final newline does not add an empty text).
    /// </summary>
    public static List<string> ReadTexts(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) return lines.ToList();
        var texts = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{path}:{i + 1}: expected an object with a string field \"text\"");
                texts.Add(t.GetString()!);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{i + 1}: invalid JSON: {e.Message}", e);
            }
        }
        return texts;
    }

    /// <summary>Writes embeddings as <c>.npy</c> (float32 [n, dim]) or <c>.jsonl</c> (<c>{"index": i, "embedding": [...]}</c> per line).</summary>
    /// <param name="indices">The <c>.jsonl</c> index of each row (a shard's input positions); default 0, 1, 2, …</param>
    public static void WriteEmbeddings(string path, IReadOnlyList<float[]> embeddings, int dimension, IReadOnlyList<int>? indices = null)
    {
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            NpyWriter.WriteFloat32(path, embeddings, dimension);
            return;
        }
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"output file {path}: extension must be .npy or .jsonl");
        string tmp = Path.GetFullPath(path) + ".tmp";
        using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false)))
        {
            var sb = new StringBuilder();
            for (int i = 0; i < embeddings.Count; i++)
            {
                sb.Clear().Append("{\"index\":").Append(indices?[i] ?? i).Append(",\"embedding\":[");
                var row = embeddings[i];
                for (int j = 0; j < row.Length; j++)
                {
                    if (j > 0) sb.Append(',');
                    sb.Append(row[j].ToString("R", CultureInfo.InvariantCulture));
                }
                writer.Write(sb.Append("]}\n"));
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
