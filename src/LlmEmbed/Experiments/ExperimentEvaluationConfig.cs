namespace LlmEmbed.Experiments;

/// <summary>Which tasks every arm is evaluated on, and how.</summary>
public sealed class ExperimentEvaluationConfig
{
    /// <summary>Task names from the registry (Evaluation/tasks.json); empty = use <see cref="TaskTypes"/>.</summary>
    public List<string> Tasks { get; set; } = [];

    /// <summary>Task types (sts, retrieval, reranking, classification, clustering, pair_classification); empty with no tasks = all.</summary>
    public List<string> TaskTypes { get; set; } = [];

    /// <summary>Data root; required by the library (the CLI defaults it to $LLMEMBED_DATA or ../shared/data).</summary>
    public string? Data { get; set; }

    public int BatchSize { get; set; } = 64;

    /// <summary>Token limit when encoding evaluation texts (longer texts are truncated).</summary>
    public int MaxLength { get; set; } = 256;

    /// <summary>
    /// How task instructions reach the model: <c>model</c> (passed beside the text; the model formats them with its
    /// <c>instruction.template</c> and pools as in training), <c>in-text</c> (pasted into the text as
    /// <c>Instruct: …\nQuery: …</c> before the model sees it, so it is pooled like text), or <c>none</c>.
    /// </summary>
    public string Instructions { get; set; } = "model";

    /// <summary>Subsample every task to at most this many rows. For tests only: such scores are not comparable.</summary>
    public int? MaxSamplesPerTask { get; set; }
}
