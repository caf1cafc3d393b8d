using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>MTEB pair classification: AP, best accuracy and F1 for cosine, dot, Manhattan and Euclidean; main = max AP.</summary>
public static class PairClassificationEvaluator
{
    public static async Task<SplitScores> EvaluateAsync(TaskContext context, CancellationToken cancellationToken)
    {
        string split = context.Task.EvalSplit;
        var pairs = context.Subsample(DatasetReader.ReadPairClassification(context.DatasetFolder, split));
        context.EvaluatedRows = pairs.Count;
        if (pairs.All(p => p.Label == 0) || pairs.All(p => p.Label == 1))
            context.Warn($"all {pairs.Count} pairs have the same label; AP and F1 are degenerate");
        var all = await context.EncodeAsync(split, TextRole.Text, [.. pairs.Select(p => p.Sentence1), .. pairs.Select(p => p.Sentence2)], cancellationToken);
        var labels = pairs.Select(p => p.Label).ToArray();
        return ToSplitScores(PairClassificationMetrics.Compute(all[..pairs.Count], all[pairs.Count..], labels), labels);
    }

    /// <summary>The MTEB metrics and per-pair items of a pair-classification evaluation (shared with the lexical references).</summary>
    public static SplitScores ToSplitScores(PairClassificationResult result, int[] labels)
    {
        var metrics = new Dictionary<string, double>();
        void Add(string prefix, PairSimilarityMetrics m)
        {
            metrics[prefix + "_accuracy"] = m.Accuracy;
            metrics[prefix + "_accuracy_threshold"] = m.AccuracyThreshold;
            metrics[prefix + "_f1"] = m.F1;
            metrics[prefix + "_f1_threshold"] = m.F1Threshold;
            metrics[prefix + "_precision"] = m.Precision;
            metrics[prefix + "_recall"] = m.Recall;
            metrics[prefix + "_ap"] = m.AveragePrecision;
        }
        Add("cosine", result.Cosine);
        Add("dot", result.Dot);
        Add("manhattan", result.Manhattan);
        Add("euclidean", result.Euclidean);
        PairSimilarityMetrics[] all4 = [result.Cosine, result.Dot, result.Manhattan, result.Euclidean];
        metrics["max_accuracy"] = all4.Max(m => m.Accuracy);
        metrics["max_f1"] = all4.Max(m => m.F1);
        metrics["max_precision"] = all4.Max(m => m.Precision);
        metrics["max_recall"] = all4.Max(m => m.Recall);
        metrics["max_ap"] = result.MainScore;
        var items = ItemScores.Create(ItemScores.MaxAp, new()
        {
            ["cosine"] = result.CosineScores.ToArray(),
            ["dot"] = result.DotScores.ToArray(),
            ["manhattan"] = result.ManhattanDistances.ToArray(),
            ["euclidean"] = result.EuclideanDistances.ToArray(),
            ["label"] = Array.ConvertAll(labels, l => (double)l),
        });
        return new SplitScores(result.MainScore, metrics) { Items = items };
    }
}
