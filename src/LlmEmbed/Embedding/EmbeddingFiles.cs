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
        var lines = ReadStrictUtf8Lines(path);
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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Lines of a UTF-8 file (BOM, \r\n and a final newline handled like File.ReadAllLines); invalid UTF-8 is an error naming the line.</summary>
    private static string[] ReadStrictUtf8Lines(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? 3 : 0;
        var lines = new List<string>();
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            int next = end < 0 ? bytes.Length : end + 1;
            if (end < 0) end = bytes.Length;
            int length = end - start;
            if (length > 0 && bytes[end - 1] == (byte)'\r') length--;
            try
            {
                lines.Add(StrictUtf8.GetString(bytes, start, length));
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{path}:{lines.Count + 1}: invalid UTF-8 (byte 0x{(e.BytesUnknown is { Length: > 0 } b ? b[0] : 0):X2} at column {e.Index + 1}); save the file as UTF-8", e);
            }
            start = next;
        }
        return lines.ToArray();
    }

    /// <summary>
    /// Checks an output path before any work is done: a .npy or .jsonl name in an existing folder that can be written
    /// to. Errors name the path the user gave.
    /// </summary>
    public static void CheckOutputPath(string path)
    {
        if (!path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"output file {path}: extension must be .npy or .jsonl");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"output file {path}: folder {dir} does not exist");
        if (Directory.Exists(path)) throw new IOException($"output file {path}: is a folder");
        string probe = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"output file {path}: folder {dir} is not writable ({e.Message})", e);
        }
        if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.ReadOnly) != 0)
            throw new IOException($"output file {path}: exists and is read-only");
    }

    /// <summary>Writes embeddings as <c>.npy</c> (float32 [n, dim]) or <c>.jsonl</c> (<c>{"index": i, "embedding": [...]}</c> per line).</summary>
    /// <param name="indices">The <c>.jsonl</c> index of each row (a shard's input positions); default 0, 1, 2, …</param>
    public static void WriteEmbeddings(string path, IReadOnlyList<float[]> embeddings, int dimension, IReadOnlyList<int>? indices = null)
    {
        for (int i = 0; i < embeddings.Count; i++)
            if (!Array.TrueForAll(embeddings[i], float.IsFinite))
                throw new InvalidDataException($"{path}: embedding {i} holds NaN or infinite values; nothing was written");
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
