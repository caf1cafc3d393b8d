using System.Text.Json;

namespace LlmEmbed.Evaluation.Data;

/// <summary>Reads JSON-lines files object by object, turning every problem into a <see cref="DatasetFormatException"/>.</summary>
internal static class JsonlFile
{
    /// <summary>Parses each non-blank line as a JSON object and hands it to <paramref name="read"/> with its line number.</summary>
    public static List<T> Read<T>(string path, Func<JsonElement, int, T> read)
    {
        if (!File.Exists(path)) throw new DatasetFormatException(path, 0, "file not found");
        var rows = new List<T>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument document;
            try { document = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new DatasetFormatException(path, lineNumber, "invalid JSON: " + e.Message, e); }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DatasetFormatException(path, lineNumber, $"expected a JSON object, got {document.RootElement.ValueKind}");
                rows.Add(read(document.RootElement, lineNumber));
            }
        }
        if (rows.Count == 0) throw new DatasetFormatException(path, 0, "the file holds no rows");
        return rows;
    }

    public static string String(JsonElement row, string field, string path, int line, bool allowEmpty = false)
    {
        var value = Property(row, field, path, line);
        if (value.ValueKind != JsonValueKind.String)
            throw new DatasetFormatException(path, line, $"field '{field}' must be a string, got {value.ValueKind}");
        string text = value.GetString()!;
        if (!allowEmpty && text.Length == 0) throw new DatasetFormatException(path, line, $"field '{field}' is empty");
        return text;
    }

    /// <summary>A string, or a number written as JSON (some exports store labels or ids as numbers).</summary>
    public static string Label(JsonElement row, string field, string path, int line)
    {
        var value = Property(row, field, path, line);
        return value.ValueKind switch
        {
            JsonValueKind.String when value.GetString()!.Length > 0 => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new DatasetFormatException(path, line, $"field '{field}' must be a non-empty string or a number, got {value.ValueKind}"),
        };
    }

    public static double Number(JsonElement row, string field, string path, int line)
    {
        var value = Property(row, field, path, line);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double d) || !double.IsFinite(d))
            throw new DatasetFormatException(path, line, $"field '{field}' must be a finite number, got {value.GetRawText()}");
        return d;
    }

    public static int Integer(JsonElement row, string field, string path, int line)
    {
        var value = Property(row, field, path, line);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int i))
            throw new DatasetFormatException(path, line, $"field '{field}' must be an integer, got {value.GetRawText()}");
        return i;
    }

    public static string[] Strings(JsonElement row, string field, string path, int line)
    {
        var value = Property(row, field, path, line);
        if (value.ValueKind != JsonValueKind.Array)
            throw new DatasetFormatException(path, line, $"field '{field}' must be an array of strings, got {value.ValueKind}");
        var result = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw new DatasetFormatException(path, line, $"field '{field}' must hold only strings, found {item.ValueKind}");
            result.Add(item.GetString()!);
        }
        return result.ToArray();
    }

    private static JsonElement Property(JsonElement row, string field, string path, int line)
    {
        if (!row.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new DatasetFormatException(path, line, $"missing field '{field}'");
        return value;
    }
}
