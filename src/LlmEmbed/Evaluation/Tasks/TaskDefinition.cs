namespace LlmEmbed.Evaluation.Tasks;

/// <summary>One evaluation task as listed in tasks.json.</summary>
/// <param name="Name">MTEB-style task name (also the results file name).</param>
/// <param name="Type">Task type, which selects the evaluation protocol.</param>
/// <param name="Category">Category used for averages in the summary table.</param>
/// <param name="Path">Dataset folder relative to the data root.</param>
/// <param name="EvalSplit">Split evaluated; several files may be joined with '+' (e.g. <c>train+test</c>).</param>
/// <param name="TrainSplit">Split the classifier is trained on (classification only); null = split the eval set in halves.</param>
/// <param name="MainScore">Name of the metric reported as <c>main_score</c>.</param>
/// <param name="Instruction">Task instruction (E5-Mistral style); null or empty = none.</param>
/// <param name="SamplesPerLabel">Classification: training examples per label in each experiment.</param>
/// <param name="Notes">Why the task deviates from MTEB, if it does.</param>
/// <param name="IgnoreIdenticalIds">Retrieval: drop a document whose id equals the query id from its results (MTEB's
/// per-task <c>ignore_identical_ids</c>, for corpora that contain the queries themselves). Off by default: where query
/// and document ids are merely numbered alike (Cranfield, CISI), dropping them would lose relevant documents.</param>
public sealed record TaskDefinition(
    string Name,
    TaskType Type,
    string Category,
    string Path,
    string EvalSplit,
    string? TrainSplit,
    string MainScore,
    string? Instruction,
    int SamplesPerLabel = 8,
    string? Notes = null,
    bool IgnoreIdenticalIds = false);
