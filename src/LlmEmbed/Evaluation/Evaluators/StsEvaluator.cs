using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>MTEB STS: cosine / Manhattan / Euclidean similarity correlated with gold scores; main = cosine Spearman.</summary>
public static class StsEvaluator
{
    public static async Task<SplitScores> EvaluateAsync(TaskContext context, CancellationToken cancellationToken)
    {
        string split = context.Task.EvalSplit;
        var pairs = context.Subsample(DatasetReader.ReadSts(context.DatasetFolder, split));
        if (pairs.Count < 2) throw new InvalidDataException($"{context.Task.Name}: STS needs at least 2 pairs, got {pairs.Count}");
        context.EvaluatedRows = pairs.Count;
        // Both sides in one call so shared sentences are encoded once.
        var all = await context.EncodeAsync(split, TextRole.Text, [.. pairs.Select(p => p.Sentence1), .. pairs.Select(p => p.Sentence2)], cancellationToken);
        var e1 = StsMetrics.Widen(all[..pairs.Count]);
        var e2 = StsMetrics.Widen(all[pairs.Count..]);
        var gold = pairs.Select(p => p.Score).ToArray();
        return ToSplitScores(StsMetrics.Compute(e1, e2, gold), gold);
    }

    /// <summary>The MTEB metrics and per-pair items of an STS evaluation (shared with the lexical references).</summary>
    public static SplitScores ToSplitScores(StsScores scores, double[] gold)
    {
        var metrics = new Dictionary<string, double>(scores.ToDictionary())
        {
            // MTEB >= 1.12 also reports the cosine correlations under these short names.
            ["pearson"] = scores.CosinePearson,
            ["spearman"] = scores.CosineSpearman,
        };
        return new SplitScores(scores.MainScore, metrics) { Items = ItemScores.FromPredictions(scores.CosineScores.ToArray(), gold) };
    }
}
