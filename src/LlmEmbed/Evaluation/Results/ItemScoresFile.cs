using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmEmbed.Evaluation.Results;

/// <summary>
/// The item scores of one task result, kept beside its MTEB file as <c>{task_name}.items.tsv</c>: a sidecar rather
/// than a field of <c>{task_name}.json</c>, because MTEB's result readers load every <c>*.json</c> of a model folder
/// and the result files stay identical to MTEB's (and small) this way. Layout: a first line
/// <c>#llmembed-items&lt;TAB&gt;task=NAME&lt;TAB&gt;split=SPLIT&lt;TAB&gt;statistic=STAT</c>, a header line with the
/// column names, then one line per item. Values are written at float32 precision (shortest round-trip text of the
/// float), which is far below the resolution of any test over items and keeps a 10 k-item file near 200 kB.
/// </summary>
public static class ItemScoresFile
{
    public const string Magic = "#llmembed-items";

    /// <summary>The sidecar's file name for a task.</summary>
    public static string FileName(string taskName) => taskName + ".items.tsv";

    /// <summary>Writes <c>{folder}/{task}.items.tsv</c> atomically and returns its path.</summary>
    public static string Save(string folder, string taskName, string split, ItemScores items)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskName);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        ArgumentNullException.ThrowIfNull(items);
        items.Validate();
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName(taskName));
        AtomicFile.WriteAllText(path, ToText(taskName, split, items));
        return path;
    }

    /// <summary>Writes the item scores of the first entry of every split that has them; returns the paths written.</summary>
    public static IReadOnlyList<string> SaveAll(string folder, TaskResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var paths = new List<string>();
        foreach (var (split, entries) in result.Scores)
            if (entries.Count > 0 && entries[0].Items is { } items)
            {
                paths.Add(Save(folder, result.TaskName, split, items));
                break; // one file per task: the evaluated split (every task here evaluates one)
            }
        return paths;
    }

    public static string ToText(string taskName, string split, ItemScores items)
    {
        var columns = items.Columns.Keys.Order(StringComparer.Ordinal).ToArray();
        var sb = new StringBuilder();
        sb.Append(Magic).Append("\ttask=").Append(taskName).Append("\tsplit=").Append(split).Append("\tstatistic=").Append(items.Statistic).Append('\n');
        sb.AppendJoin('\t', columns).Append('\n');
        for (int i = 0; i < items.Count; i++)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                if (c > 0) sb.Append('\t');
                sb.Append(FormatValue(items.Columns[columns[c]][i]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Reads a sidecar; bad input is reported with the file and line.</summary>
    public static (string TaskName, string Split, ItemScores Items) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"item scores file {path} not found", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static (string TaskName, string Split, ItemScores Items) Parse(string text, string source)
    {
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        if (lines.Length < 3) throw new FormatException($"{source}: an item scores file needs a '{Magic}' line, a header line and at least one item line");
        var head = lines[0].Split('\t');
        if (head[0] != Magic) throw new FormatException($"{source}:1: expected '{Magic}', found '{Shorten(lines[0])}'");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string field in head.Skip(1))
        {
            int eq = field.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new FormatException($"{source}:1: '{Shorten(field)}' is not NAME=VALUE");
            fields[field[..eq]] = field[(eq + 1)..];
        }
        foreach (string required in new[] { "task", "split", "statistic" })
            if (!fields.TryGetValue(required, out var v) || v.Length == 0) throw new FormatException($"{source}:1: field '{required}' is missing");
        var names = lines[1].Split('\t');
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length || names.Any(n => n.Length == 0))
            throw new FormatException($"{source}:2: the header '{Shorten(lines[1])}' needs distinct, non-empty column names");
        var values = names.Select(_ => new double[lines.Length - 2]).ToArray();
        for (int row = 2; row < lines.Length; row++)
        {
            var cells = lines[row].Split('\t');
            if (cells.Length != names.Length) throw new FormatException($"{source}:{row + 1}: {cells.Length} values for {names.Length} columns");
            for (int c = 0; c < cells.Length; c++)
            {
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new FormatException($"{source}:{row + 1}: column '{names[c]}' holds '{Shorten(cells[c])}', not a finite number");
                values[c][row - 2] = v;
            }
        }
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++) columns[names[c]] = values[c];
        try { return (fields["task"], fields["split"], ItemScores.Create(fields["statistic"], columns)); }
        catch (ArgumentException e) { throw new FormatException($"{source}: {e.Message}", e); }
    }

    /// <summary>The columns as one JSON object <c>{"name": [values…]}</c> at float32 precision (the results store's form).</summary>
    public static string ColumnsToJson(ItemScores items)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, column) in items.Columns.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray(name);
                foreach (double v in column) w.WriteNumberValue((float)v);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads <see cref="ColumnsToJson"/>'s form back (values are the float32 values, widened).</summary>
    public static ItemScores ColumnsFromJson(string statistic, string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
            foreach (var column in doc.RootElement.EnumerateObject())
                columns[column.Name] = column.Value.EnumerateArray().Select(v => (double)v.GetSingle()).ToArray();
            return ItemScores.Create(statistic, columns);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: item scores are damaged: {e.Message}", e);
        }
    }

    // Float32 precision: the value is rounded to the nearest float and written in its shortest round-trip form.
    private static string FormatValue(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture);

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
