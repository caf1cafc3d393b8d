using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmEmbed.Bench;

/// <summary>Prints each benchmark's rows as a Markdown table and appends them as JSON lines to the results file.</summary>
internal sealed class ResultSink(BenchSettings settings)
{
    /// <summary>A progress line on stderr (the tables go to stdout).</summary>
    public static void Progress(BenchRecord record) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {record.Benchmark}: {record.Case} done");

    public void Report(string title, MatmulRates rates, IReadOnlyList<BenchRecord> records, IEnumerable<string> notes)
    {
        foreach (var r in records)
            for (int i = 0; i < r.Fields.Count; i++)
                if (r.Fields[i].Value is MatmulFraction fraction)
                    r.Fields[i] = new(r.Fields[i].Key, fraction.Of(rates));
        var output = new StringBuilder();
        output.AppendLine();
        output.AppendLine($"## {title}{(settings.Quick ? " (--quick)" : "")}");
        output.AppendLine();
        output.AppendLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {MachineInfo.CpuModel()}, {MachineInfo.Cores} cores, torch threads {TorchSharp.torch.get_num_threads()}, load average {MachineInfo.LoadAverage():F1}");
        output.AppendLine($"measured matmul {rates.Shape}, best of {rates.Repeats} (before and after the benchmark): bf16 {Format(rates.Bf16Gflops)} GFLOP/s, fp32 {Format(rates.Fp32Gflops)} GFLOP/s");
        output.AppendLine();
        var columns = new List<string> { "case" };
        foreach (var r in records)
            foreach (var (key, _) in r.Fields)
                if (!columns.Contains(key)) columns.Add(key);
        output.AppendLine("| " + string.Join(" | ", columns) + " |");
        output.AppendLine("|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var r in records)
        {
            var values = columns.Select(c => c == "case" ? r.Case : Format(r.Fields.FirstOrDefault(f => f.Key == c).Value));
            output.AppendLine("| " + string.Join(" | ", values) + " |");
        }
        output.AppendLine();
        foreach (var note in notes) output.AppendLine($"- {note}");
        Console.Write(output.ToString());
        Append(rates, records);
    }

    private void Append(MatmulRates rates, IReadOnlyList<BenchRecord> records)
    {
        var lines = new StringBuilder();
        foreach (var r in records)
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteString("time_utc", DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture));
                json.WriteString("benchmark", r.Benchmark);
                json.WriteString("case", r.Case);
                json.WriteBoolean("quick", settings.Quick);
                json.WriteString("cpu", MachineInfo.CpuModel());
                json.WriteNumber("cores", MachineInfo.Cores);
                json.WriteNumber("torch_threads", TorchSharp.torch.get_num_threads());
                WriteNumber(json, "load_average", MachineInfo.LoadAverage());
                WriteNumber(json, "matmul_bf16_gflops", rates.Bf16Gflops);
                WriteNumber(json, "matmul_fp32_gflops", rates.Fp32Gflops);
                foreach (var (key, value) in r.Fields)
                {
                    switch (value)
                    {
                        case double d: WriteNumber(json, key, d); break;
                        case int i: json.WriteNumber(key, i); break;
                        case long l: json.WriteNumber(key, l); break;
                        case bool b: json.WriteBoolean(key, b); break;
                        default: json.WriteString(key, value?.ToString()); break;
                    }
                }
                json.WriteEndObject();
            }
            lines.AppendLine(Encoding.UTF8.GetString(stream.ToArray()));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.ResultsPath))!);
        File.AppendAllText(settings.ResultsPath, lines.ToString());
    }

    // JSON has no NaN/Infinity: a value that could not be measured is written as null.
    private static void WriteNumber(Utf8JsonWriter json, string key, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(key, value);
        else json.WriteNull(key);
    }

    /// <summary>About four significant digits, no exponent for the magnitudes these tables hold.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d when !double.IsFinite(d) => "n/a",
        double d when Math.Abs(d) >= 1000 => d.ToString("N0", CultureInfo.InvariantCulture),
        double d when Math.Abs(d) >= 100 => d.ToString("F1", CultureInfo.InvariantCulture),
        double d when Math.Abs(d) >= 1 => d.ToString("F2", CultureInfo.InvariantCulture),
        double d => d.ToString("G3", CultureInfo.InvariantCulture),
        long l => l.ToString("N0", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
