namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// nDCG@k, MAP@k, Recall@k, P@k and MRR@k for one query or averaged over queries; entry i of each
/// list belongs to <see cref="KValues"/>[i].
/// </summary>
public sealed class RetrievalScores
{
    public IReadOnlyList<int> KValues { get; }
    public IReadOnlyList<double> Ndcg { get; }
    public IReadOnlyList<double> Map { get; }
    public IReadOnlyList<double> Recall { get; }
    public IReadOnlyList<double> Precision { get; }
    public IReadOnlyList<double> Mrr { get; }

    public RetrievalScores(
        IReadOnlyList<int> kValues, IReadOnlyList<double> ndcg, IReadOnlyList<double> map,
        IReadOnlyList<double> recall, IReadOnlyList<double> precision, IReadOnlyList<double> mrr)
    {
        ArgumentNullException.ThrowIfNull(kValues);
        int n = kValues.Count;
        CheckLength(ndcg, n, nameof(ndcg));
        CheckLength(map, n, nameof(map));
        CheckLength(recall, n, nameof(recall));
        CheckLength(precision, n, nameof(precision));
        CheckLength(mrr, n, nameof(mrr));
        KValues = kValues.ToArray();
        Ndcg = ndcg.ToArray();
        Map = map.ToArray();
        Recall = recall.ToArray();
        Precision = precision.ToArray();
        Mrr = mrr.ToArray();
    }

    public double NdcgAt(int k) => Ndcg[IndexOf(k)];
    public double MapAt(int k) => Map[IndexOf(k)];
    public double RecallAt(int k) => Recall[IndexOf(k)];
    public double PrecisionAt(int k) => Precision[IndexOf(k)];
    public double MrrAt(int k) => Mrr[IndexOf(k)];

    /// <summary>All values keyed as MTEB names them: <c>ndcg_at_10</c>, <c>map_at_10</c>, <c>recall_at_10</c>,
    /// <c>precision_at_10</c>, <c>mrr_at_10</c>.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double>(KValues.Count * 5);
        for (int i = 0; i < KValues.Count; i++)
        {
            int k = KValues[i];
            result[$"ndcg_at_{k}"] = Ndcg[i];
            result[$"map_at_{k}"] = Map[i];
            result[$"recall_at_{k}"] = Recall[i];
            result[$"precision_at_{k}"] = Precision[i];
            result[$"mrr_at_{k}"] = Mrr[i];
        }
        return result;
    }

    private int IndexOf(int k)
    {
        for (int i = 0; i < KValues.Count; i++)
            if (KValues[i] == k) return i;
        throw new ArgumentException($"k = {k} was not evaluated (k values: {string.Join(", ", KValues)})", nameof(k));
    }

    private static void CheckLength(IReadOnlyList<double> values, int expected, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count != expected)
            throw new ArgumentException($"{name} has {values.Count} values but there are {expected} k values", name);
    }
}
