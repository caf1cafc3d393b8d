using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmEmbed.Tests.Support;

/// <summary>One case of a golden JSONL file in ../shared/golden: {"case", "inputs", "expected", "notes"}.</summary>
public sealed record GoldenCase(string Name, JsonElement Inputs, JsonElement Expected, string? Notes)
{
    public override string ToString() => Name;
}

/// <summary>Reads golden reference files and converts their JSON values.</summary>
public static class GoldenFile
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
    };

    public static IReadOnlyList<GoldenCase> Read(string fileName)
    {
        var cases = new List<GoldenCase>();
        foreach (string line in File.ReadLines(TestPaths.Golden(fileName)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement.Clone();
            cases.Add(new GoldenCase(
                root.GetProperty("case").GetString()!,
                root.GetProperty("inputs"),
                root.TryGetProperty("expected", out var e) ? e : default,
                root.TryGetProperty("notes", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null));
        }
        return cases;
    }

    /// <summary>xunit MemberData rows: one per case name.</summary>
    public static IEnumerable<object[]> CaseNames(string fileName) => Read(fileName).Select(c => new object[] { c.Name });

    public static GoldenCase Case(string fileName, string name) => Read(fileName).Single(c => c.Name == name);

    /// <summary>A JSON number, or one of "NaN", "Infinity", "-Infinity".</summary>
    public static double Double(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => double.Parse(s!, System.Globalization.CultureInfo.InvariantCulture),
        },
        JsonValueKind.Null => double.NaN,
        _ => throw new FormatException($"not a number: {e}"),
    };

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(Double).ToArray();
    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
    public static double[][] Matrix(JsonElement e) => e.EnumerateArray().Select(Doubles).ToArray();

    /// <summary>The golden tolerance for closed-form results: |a - e| &lt;= tol · max(1, |e|); NaN matches NaN.</summary>
    public static void AssertClose(double expected, double actual, double tol = 1e-9, string? what = null)
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual}"); return; }
        if (double.IsInfinity(expected)) { Assert.Equal(expected, actual); return; }
        Assert.True(Math.Abs(actual - expected) <= tol * Math.Max(1, Math.Abs(expected)),
            $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol} relative)");
    }
}
