namespace LlmEmbed.Bench;

/// <summary>One result row: which benchmark and case, then named values in display order.</summary>
internal sealed class BenchRecord(string benchmark, string caseName)
{
    public string Benchmark { get; } = benchmark;
    public string Case { get; } = caseName;
    public List<KeyValuePair<string, object>> Fields { get; } = [];

    public BenchRecord Add(string key, object value)
    {
        Fields.Add(new(key, value));
        return this;
    }
}
