namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// What reading the training files found: rows kept, rows skipped per reason, and the first few locations
/// (<c>file:line: reason</c>) so a user can look at them.
/// </summary>
public sealed class DataValidationSummary
{
    public const int MaxExamples = 20;

    private readonly Dictionary<string, int> skippedByReason = new(StringComparer.Ordinal);
    private readonly List<string> examples = [];

    public int RowsKept { get; private set; }
    public int RowsSkipped { get; private set; }

    /// <summary>Skipped-row counts keyed by reason (e.g. <c>missing field 'positive'</c>), in first-seen order.</summary>
    public IReadOnlyDictionary<string, int> SkippedByReason => skippedByReason;

    /// <summary>The first <see cref="MaxExamples"/> skipped rows as <c>file:line: reason</c>.</summary>
    public IReadOnlyList<string> Examples => examples;

    internal void Kept() => RowsKept++;

    internal void Skipped(string reason, string location)
    {
        RowsSkipped++;
        skippedByReason[reason] = skippedByReason.GetValueOrDefault(reason) + 1;
        if (examples.Count < MaxExamples) examples.Add(location);
    }

    /// <summary>One line per reason, for logs.</summary>
    public override string ToString() =>
        RowsSkipped == 0
            ? $"{RowsKept} rows, none skipped"
            : $"{RowsKept} rows kept, {RowsSkipped} skipped (" + string.Join("; ", skippedByReason.Select(kv => $"{kv.Key}: {kv.Value}")) + ")";
}
