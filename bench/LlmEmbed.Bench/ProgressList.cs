namespace LlmEmbed.Bench;

/// <summary>The rows of one benchmark; each added row is announced on stderr so a slow run shows where it is.</summary>
internal sealed class ProgressList : List<BenchRecord>
{
    public new void Add(BenchRecord record)
    {
        base.Add(record);
        ResultSink.Progress(record);
    }

    public new void AddRange(IEnumerable<BenchRecord> records)
    {
        foreach (var r in records) Add(r);
    }
}
