using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>
/// MTEB clustering: k-means with k = number of distinct labels on the embeddings, scored by V-measure against the
/// labels. Sets larger than <see cref="MiniBatchThreshold"/> use mini-batch k-means (batch 500, as MTEB's
/// MiniBatchKMeans), smaller ones Lloyd; both seeded and with a few restarts, keeping the lowest inertia.
/// </summary>
public static class ClusteringEvaluator
{
    public const int MiniBatchThreshold = 2000;
    public const int Restarts = 3;

    public static async Task<SplitScores> EvaluateAsync(TaskContext context, CancellationToken cancellationToken)
    {
        string split = context.Task.EvalSplit;
        var rows = context.Subsample(DatasetReader.ReadLabeledTexts(context.DatasetFolder, split));
        context.EvaluatedRows = rows.Count;
        int k = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).Count();
        if (k < 2) context.Warn($"only {k} distinct label; V-measure is degenerate");
        double[][] x = StsMetrics.Widen(await context.EncodeAsync(split, TextRole.Text, rows.Select(r => r.Text).ToArray(), cancellationToken));
        var options = new KMeansOptions(k, Restarts: Restarts, MaxIterations: rows.Count > MiniBatchThreshold ? 100 : 300, Seed: context.Seed, BatchSize: 500);
        var clustering = rows.Count > MiniBatchThreshold ? KMeans.FitMiniBatch(x, options) : KMeans.Fit(x, options);
        return ToSplitScores(rows, clustering.Assignments);
    }

    /// <summary>V-measure of an assignment against the labels, with the per-item (assignment, label id) columns.</summary>
    public static SplitScores ToSplitScores(IReadOnlyList<LabeledText> rows, int[] assignments)
    {
        var v = VMeasure.Compute(rows.Select(r => r.Label).ToArray(), assignments);
        var metrics = new Dictionary<string, double>
        {
            ["v_measure"] = v.VMeasure,
            ["homogeneity"] = v.Homogeneity,
            ["completeness"] = v.Completeness,
        };
        var labelIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = ItemScores.Create(ItemScores.VMeasureStatistic, new()
        {
            ["assignment"] = Array.ConvertAll(assignments, a => (double)a),
            ["label"] = rows.Select(r => (double)(labelIds.TryGetValue(r.Label, out int id) ? id : labelIds[r.Label] = labelIds.Count)).ToArray(),
        });
        return new SplitScores(v.VMeasure, metrics) { Items = items };
    }
}
