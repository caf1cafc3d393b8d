namespace LlmEmbed.Evaluation.Tasks;

/// <summary>The spellings of <see cref="TaskType"/> used in tasks.json and on the command line.</summary>
public static class TaskTypeNames
{
    private static readonly (TaskType Type, string Name)[] Names =
    [
        (TaskType.Sts, "sts"),
        (TaskType.Retrieval, "retrieval"),
        (TaskType.Reranking, "reranking"),
        (TaskType.Classification, "classification"),
        (TaskType.Clustering, "clustering"),
        (TaskType.PairClassification, "pair_classification"),
    ];

    public static string ToName(TaskType type) => Names.First(n => n.Type == type).Name;

    /// <summary>Parses a type name, case-insensitively; '-' is accepted for '_' (e.g. <c>pair-classification</c>).</summary>
    public static TaskType Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string normalised = name.Trim().Replace('-', '_').ToLowerInvariant();
        if (normalised == "pairclassification") normalised = "pair_classification";
        foreach (var (type, n) in Names)
            if (n == normalised) return type;
        throw new ArgumentException($"unknown task type '{name}' (known: {string.Join(", ", Names.Select(x => x.Name))})", nameof(name));
    }
}
