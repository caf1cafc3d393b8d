namespace LlmEmbed.Evaluation.Results;

/// <summary>
/// One entry of an MTEB result's <c>scores[split]</c> list: the main score, the subset and languages, and the
/// task's metrics by MTEB name.
/// </summary>
public sealed record SplitScores(double MainScore, IReadOnlyDictionary<string, double> Metrics, string HfSubset = "default", IReadOnlyList<string>? Languages = null)
{
    public IReadOnlyList<string> LanguageList => Languages ?? ["eng-Latn"];

    /// <summary>Per-item data the main score is computed from (for paired tests over items); not part of the MTEB file.</summary>
    public ItemScores? Items { get; init; }
}
