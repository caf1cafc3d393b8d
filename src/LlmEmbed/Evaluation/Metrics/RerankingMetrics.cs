namespace LlmEmbed.Evaluation.Metrics;

/// <summary>MTEB (v1.x) RerankingEvaluator: AP and MRR@k of each instance's candidates, averaged.</summary>
public static class RerankingMetrics
{
    /// <summary>MTEB's default MRR cut-off.</summary>
    public const int DefaultMrrAtK = 10;

    /// <summary>
    /// Scores each instance's candidates (positives then negatives) by cosine similarity to the query, the
    /// maximum over the query rows when there are several, and averages AP and MRR@k over the instances that
    /// have at least one positive and one negative.
    /// </summary>
    public static RerankingResult Evaluate(IReadOnlyList<RerankingInstance> instances, int mrrAtK = DefaultMrrAtK)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (mrrAtK < 1)
            throw new ArgumentException($"mrrAtK must be >= 1, got {mrrAtK}", nameof(mrrAtK));

        var perInstance = new List<RerankingInstanceResult>(instances.Count);
        for (int i = 0; i < instances.Count; i++)
        {
            var instance = instances[i] ?? throw new ArgumentException($"instances[{i}] is null", nameof(instances));
            if (instance.PositiveEmbeddings.Count == 0 || instance.NegativeEmbeddings.Count == 0)
            {
                perInstance.Add(RerankingInstanceResult.SkippedInstance);
                continue;
            }
            double[] scores = CandidateScores(instance, i);
            var isRelevant = new bool[scores.Length];
            for (int c = 0; c < instance.PositiveEmbeddings.Count; c++) isRelevant[c] = true;
            perInstance.Add(ScoreInstance(scores, isRelevant, mrrAtK));
        }
        return Summarise(perInstance, mrrAtK);
    }

    /// <summary>
    /// AP (scikit-learn) and MRR@k of one instance from precomputed candidate scores. Ranking is by score
    /// descending; tied scores keep candidate order (MTEB's torch argsort leaves ties unspecified).
    /// </summary>
    public static RerankingInstanceResult ScoreInstance(ReadOnlySpan<double> scores, ReadOnlySpan<bool> isRelevant, int mrrAtK = DefaultMrrAtK)
    {
        if (scores.Length == 0)
            throw new ArgumentException("scores must not be empty", nameof(scores));
        if (isRelevant.Length != scores.Length)
            throw new ArgumentException($"scores has {scores.Length} entries but isRelevant has {isRelevant.Length}", nameof(isRelevant));
        if (mrrAtK < 1)
            throw new ArgumentException($"mrrAtK must be >= 1, got {mrrAtK}", nameof(mrrAtK));

        var labels = new int[scores.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = isRelevant[i] ? 1 : 0;
        double ap = AveragePrecision.Compute(labels, scores);

        double[] s = scores.ToArray();
        int[] ranking = Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).ToArray();
        int firstRelevant = 0;
        for (int rank = 1; rank <= ranking.Length; rank++)
        {
            if (labels[ranking[rank - 1]] == 1) { firstRelevant = rank; break; }
        }
        double reciprocalRank = firstRelevant > 0 && firstRelevant <= mrrAtK ? 1.0 / firstRelevant : 0.0;
        return new RerankingInstanceResult(false, s, ap, reciprocalRank, firstRelevant);
    }

    /// <summary>MAP and MRR@k over per-instance results (skipped instances counted, not averaged).</summary>
    public static RerankingResult Summarise(IReadOnlyList<RerankingInstanceResult> perInstance, int mrrAtK = DefaultMrrAtK)
    {
        ArgumentNullException.ThrowIfNull(perInstance);
        double apSum = 0, rrSum = 0;
        int evaluated = 0;
        foreach (var r in perInstance)
        {
            if (r.Skipped) continue;
            evaluated++;
            apSum += r.AveragePrecision;
            rrSum += r.ReciprocalRankAtK;
        }
        // With nothing evaluated MTEB's np.mean gives NaN; keep that rather than invent a score.
        double map = evaluated > 0 ? apSum / evaluated : double.NaN;
        double mrr = evaluated > 0 ? rrSum / evaluated : double.NaN;
        return new RerankingResult(perInstance, map, mrr, mrrAtK, evaluated, perInstance.Count - evaluated);
    }

    // Cosine as torch's cos_sim computes it: rows scaled to unit length, a zero row stays zero and scores 0.
    private static double[] CandidateScores(RerankingInstance instance, int index)
    {
        var queries = instance.QueryEmbeddings;
        if (queries is null || queries.Count == 0)
            throw new ArgumentException($"instance {index} has no query embedding", nameof(instance));
        int dim = queries[0]?.Length ?? throw new ArgumentException($"instance {index} has a null query row", nameof(instance));
        double[][] unitQueries = queries.Select(q => Unit(q, dim, index)).ToArray();
        var candidates = instance.PositiveEmbeddings.Concat(instance.NegativeEmbeddings).ToArray();
        var scores = new double[candidates.Length];
        for (int c = 0; c < candidates.Length; c++)
        {
            double[] unit = Unit(candidates[c], dim, index);
            double best = double.NegativeInfinity;
            foreach (double[] q in unitQueries)
            {
                double dot = 0;
                for (int j = 0; j < dim; j++) dot += q[j] * unit[j];
                best = Math.Max(best, dot);
            }
            scores[c] = best;
        }
        return scores;
    }

    private static double[] Unit(double[]? row, int dim, int index)
    {
        if (row is null || row.Length != dim)
            throw new ArgumentException(
                $"instance {index}: every embedding row must have dimension {dim} (got {row?.Length.ToString() ?? "null"})", "instances");
        double norm = 0;
        foreach (double x in row) norm += x * x;
        norm = Math.Sqrt(norm);
        var unit = new double[dim];
        if (norm > 0)
            for (int j = 0; j < dim; j++) unit[j] = row[j] / norm;
        return unit;
    }
}
