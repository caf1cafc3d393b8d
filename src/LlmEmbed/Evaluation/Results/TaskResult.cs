using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmEmbed.Evaluation.Results;

/// <summary>
/// The result of one task in the MTEB results layout (<c>{task_name}.json</c>): <c>dataset_revision</c>,
/// <c>evaluation_time</c>, <c>kg_co2_emissions</c>, <c>mteb_version</c>, <c>scores</c>
/// (<c>{split: [{main_score, hf_subset, languages, metric...}]}</c>) and <c>task_name</c>, plus an
/// <c>llmembed</c> block (model id, task type and category, main score name, evaluated rows, warnings) that MTEB readers ignore.
/// </summary>
public sealed record TaskResult(
    string TaskName,
    string DatasetRevision,
    IReadOnlyDictionary<string, IReadOnlyList<SplitScores>> Scores,
    double EvaluationTimeSeconds,
    string ModelId,
    string TaskType,
    string Category,
    int EvaluatedRows,
    IReadOnlyList<string> Warnings,
    string MtebVersion = TaskResult.DefaultMtebVersion,
    string MainScoreName = "")
{
    /// <summary>The MTEB version whose protocols and result layout are followed, tagged as this re-implementation.</summary>
    public const string DefaultMtebVersion = "1.12.0 (llmembed)";

    /// <summary>The main score of the first entry of the first split.</summary>
    public double MainScore => Scores.Values.First()[0].MainScore;

    /// <summary>Writes <c>{folder}/{task_name}.json</c> atomically and returns its path.</summary>
    public string Save(string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName(TaskName));
        AtomicFile.WriteAllText(path, ToJson());
        return path;
    }

    /// <summary>The results file name of a task.</summary>
    public static string FileName(string taskName) => taskName + ".json";

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("dataset_revision", DatasetRevision);
            WriteNumber(w, "evaluation_time", EvaluationTimeSeconds);
            w.WriteNull("kg_co2_emissions");
            w.WriteString("mteb_version", MtebVersion);
            w.WriteStartObject("scores");
            foreach (var (split, entries) in Scores)
            {
                w.WriteStartArray(split);
                foreach (var entry in entries)
                {
                    w.WriteStartObject();
                    foreach (var (name, value) in entry.Metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
                        if (name != "main_score") WriteNumber(w, name, value);
                    WriteNumber(w, "main_score", entry.MainScore);
                    w.WriteString("hf_subset", entry.HfSubset);
                    w.WriteStartArray("languages");
                    foreach (string language in entry.LanguageList) w.WriteStringValue(language);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteString("task_name", TaskName);
            w.WriteStartObject("llmembed");
            w.WriteString("model_id", ModelId);
            w.WriteString("task_type", TaskType);
            w.WriteString("category", Category);
            w.WriteString("main_score_name", MainScoreName);
            w.WriteNumber("evaluated_rows", EvaluatedRows);
            w.WriteStartArray("warnings");
            foreach (string warning in Warnings) w.WriteStringValue(warning);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static TaskResult Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"result file {path} not found", path);
        try { return Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"{path}: not a valid result file: {e.Message}", e);
        }
    }

    public static TaskResult Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var scores = new Dictionary<string, IReadOnlyList<SplitScores>>();
        foreach (var split in root.GetProperty("scores").EnumerateObject())
        {
            var entries = new List<SplitScores>();
            foreach (var entry in split.Value.EnumerateArray())
            {
                var metrics = new Dictionary<string, double>();
                double main = double.NaN;
                string subset = "default";
                var languages = new List<string>();
                foreach (var property in entry.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "main_score": main = ReadNumber(property.Value); break;
                        case "hf_subset": subset = property.Value.GetString() ?? "default"; break;
                        case "languages": languages.AddRange(property.Value.EnumerateArray().Select(l => l.GetString()!)); break;
                        default:
                            if (property.Value.ValueKind is JsonValueKind.Number or JsonValueKind.String)
                                metrics[property.Name] = ReadNumber(property.Value);
                            break;
                    }
                }
                entries.Add(new SplitScores(main, metrics, subset, languages));
            }
            scores[split.Name] = entries;
        }
        root.TryGetProperty("llmembed", out var extra);
        string? Extra(string name) => extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var warnings = extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("warnings", out var ws)
            ? ws.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
        int rows = extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("evaluated_rows", out var r) ? r.GetInt32() : 0;
        return new TaskResult(
            root.GetProperty("task_name").GetString()!,
            root.TryGetProperty("dataset_revision", out var rev) ? rev.GetString() ?? "" : "",
            scores,
            root.TryGetProperty("evaluation_time", out var time) ? ReadNumber(time) : double.NaN,
            Extra("model_id") ?? "", Extra("task_type") ?? "", Extra("category") ?? "", rows, warnings,
            root.TryGetProperty("mteb_version", out var version) ? version.GetString() ?? "" : "",
            Extra("main_score_name") ?? "");
    }

    // JSON has no NaN/Infinity: they are written as strings, as the golden files do.
    private static void WriteNumber(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    private static double ReadNumber(JsonElement e) => e.ValueKind == JsonValueKind.Number
        ? e.GetDouble()
        : double.Parse(e.GetString() ?? throw new FormatException("null number"), NumberStyles.Float, CultureInfo.InvariantCulture);
}
