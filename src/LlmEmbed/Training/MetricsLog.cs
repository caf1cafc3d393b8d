using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmEmbed.Training;

/// <summary>
/// <c>metrics.jsonl</c>: one JSON object per logged event, each with a <c>step</c>. On resume the log is cut back
/// to the checkpoint's step so that a resumed run's log reads like an uninterrupted one.
/// </summary>
public sealed class MetricsLog
{
    public MetricsLog(string path) => Path = path;

    public string Path { get; }

    public void Append(long step, IReadOnlyDictionary<string, object?> values)
    {
        var obj = new JsonObject { ["step"] = step };
        // JSON has no NaN or infinity (System.Text.Json throws on them): a non-finite value is written as null,
        // which Series skips, so e.g. an overflowing perplexity cannot crash a training run.
        foreach (var (k, v) in values)
            obj[k] = v is null or double.NaN or double.PositiveInfinity or double.NegativeInfinity or float.NaN or float.PositiveInfinity or float.NegativeInfinity
                ? null : JsonValue.Create(v);
        File.AppendAllText(Path, obj.ToJsonString() + "\n");
    }

    /// <summary>Drops entries logged after <paramref name="step"/> (they belong to work the checkpoint does not hold).</summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(Path)) return;
        var kept = Read().Where(e => e.Step <= step).Select(e => e.Json).ToList();
        AtomicFile.WriteText(Path, writer => { foreach (var line in kept) writer.WriteLine(line); });
    }

    /// <summary>All entries in order, with their step and raw JSON.</summary>
    public IEnumerable<(long Step, JsonElement Values, string Json)> Read()
    {
        if (!File.Exists(Path)) yield break;
        foreach (var line in File.ReadLines(Path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement.Clone();
            yield return (root.GetProperty("step").GetInt64(), root, line);
        }
    }

    /// <summary>(step, value) points of one numeric field.</summary>
    public List<(double Step, double Value)> Series(string field) =>
        Read().Where(e => e.Values.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number)
            .Select(e => ((double)e.Step, e.Values.GetProperty(field).GetDouble())).ToList();
}
