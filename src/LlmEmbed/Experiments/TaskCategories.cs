namespace LlmEmbed.Experiments;

/// <summary>The MTEB task categories the study compares designs on, in report order.</summary>
public static class TaskCategories
{
    public const string Sts = "sts";
    public const string Retrieval = "retrieval";
    public const string Reranking = "reranking";
    public const string Classification = "classification";
    public const string Clustering = "clustering";
    public const string PairClassification = "pair_classification";

    public static IReadOnlyList<string> All { get; } = [Sts, Retrieval, Reranking, Classification, Clustering, PairClassification];

    /// <summary>Report order: the known categories first in <see cref="All"/> order, then any others alphabetically.</summary>
    public static int OrderKey(string category)
    {
        int i = -1;
        for (int k = 0; k < All.Count; k++) if (All[k] == category) i = k;
        return i < 0 ? All.Count : i;
    }
}
