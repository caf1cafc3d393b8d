using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>MTEB (v1) reranking: cosine of query and candidates, AP and MRR@10 per query; main = MAP.</summary>
public static class RerankingEvaluator
{
    public static async Task<SplitScores> EvaluateAsync(TaskContext context, CancellationToken cancellationToken)
    {
        string split = context.Task.EvalSplit;
        var samples = context.Subsample(DatasetReader.ReadReranking(context.DatasetFolder, split));
        int skipped = samples.Count(s => s.Positives.Count == 0 || s.Negatives.Count == 0);
        if (skipped > 0) context.Warn($"{skipped} instance(s) without positives or without negatives are skipped (as MTEB does)");
        var queries = StsMetrics.Widen(await context.EncodeAsync(split, TextRole.Query, samples.Select(s => s.Query).ToArray(), cancellationToken));
        var candidateTexts = samples.SelectMany(s => s.Positives.Concat(s.Negatives)).ToArray();
        var candidates = StsMetrics.Widen(await context.EncodeAsync(split, TextRole.Document, candidateTexts, cancellationToken));
        var instances = new List<RerankingInstance>(samples.Count);
        int offset = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            int p = samples[i].Positives.Count, n = samples[i].Negatives.Count;
            instances.Add(new RerankingInstance([queries[i]], candidates[offset..(offset + p)], candidates[(offset + p)..(offset + p + n)]));
            offset += p + n;
        }
        var result = RerankingMetrics.Evaluate(instances);
        context.EvaluatedRows = result.EvaluatedCount;
        return ToSplitScores(result, context.Task.Name);
    }

    /// <summary>The MTEB metrics and per-query AP of a reranking evaluation (shared with the lexical references).</summary>
    public static SplitScores ToSplitScores(RerankingResult result, string taskName)
    {
        if (result.EvaluatedCount == 0) throw new InvalidDataException($"{taskName}: no instance has both positives and negatives");
        var metrics = new Dictionary<string, double>
        {
            ["map"] = result.Map,
            ["mrr"] = result.MrrAtK,
            [$"mrr_at_{result.MrrCutoff}"] = result.MrrAtK,
        };
        var perQueryAp = result.PerInstance.Where(r => !r.Skipped).Select(r => r.AveragePrecision).ToArray();
        return new SplitScores(result.MainScore, metrics) { Items = ItemScores.FromMean(perQueryAp) };
    }
}
