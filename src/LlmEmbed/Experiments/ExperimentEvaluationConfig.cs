namespace LlmEmbed.Experiments;

/// <summary>Which tasks every arm is evaluated on, and how.</summary>
public sealed class ExperimentEvaluationConfig
{
    /// <summary>Task names from the registry (Evaluation/tasks.json); empty = use <see cref="TaskTypes"/>.</summary>
    public List<string> Tasks { get; set; } = [];

    /// <summary>Task types (sts, retrieval, reranking, classification, clustering, pair_classification); empty with no tasks = all.</summary>
    public List<string> TaskTypes { get; set; } = [];

    /// <summary>Data root; default ../shared/data when it exists (or $LLMEMBED_DATA).</summary>
    public string? Data { get; set; }

    public int BatchSize { get; set; } = 64;

    /// <summary>Token limit when encoding evaluation texts (longer texts are truncated).</summary>
    public int MaxLength { get; set; } = 256;

    /// <summary>
    /// How task instructions reach the model: <c>in-text</c> (<c>Instruct: …\nQuery: …</c>, the study's convention),
    /// or <c>none</c> (when the training data carries no instructions either).
    /// </summary>
    public string Instructions { get; set; } = "in-text";

    /// <summary>Subsample every task to at most this many rows. For tests only: such scores are not comparable.</summary>
    public int? MaxSamplesPerTask { get; set; }
}
