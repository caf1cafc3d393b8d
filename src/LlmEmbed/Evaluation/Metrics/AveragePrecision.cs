namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Average precision exactly as scikit-learn's <c>average_precision_score</c> computes it.</summary>
public static class AveragePrecision
{
    /// <summary>
    /// AP = sum over distinct score thresholds t (descending) of (R(t) - R(t_prev)) · P(t).
    /// </summary>
    /// <remarks>
    /// Equal scores form one threshold (no interpolation, no tie-breaking by position), so the result does
    /// not depend on input order. Without any positive label the result is 0, as in scikit-learn (which warns).
    /// </remarks>
    /// <param name="labels">0/1 labels, 1 = positive.</param>
    /// <param name="scores">Scores, higher = more likely positive; NaN is rejected.</param>
    public static double Compute(ReadOnlySpan<int> labels, ReadOnlySpan<double> scores)
    {
        if (labels.Length == 0)
            throw new ArgumentException("labels must not be empty", nameof(labels));
        if (labels.Length != scores.Length)
            throw new ArgumentException($"labels has {labels.Length} entries but scores has {scores.Length}", nameof(scores));

        int n = labels.Length;
        var order = new int[n];
        var keys = new double[n];
        int positives = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] is not (0 or 1))
                throw new ArgumentException($"labels must be 0 or 1, got {labels[i]} at index {i}", nameof(labels));
            if (double.IsNaN(scores[i]))
                throw new ArgumentException($"scores[{i}] is NaN", nameof(scores));
            positives += labels[i];
            order[i] = i;
            keys[i] = -scores[i];
        }
        if (positives == 0) return 0.0;

        // Only group boundaries matter, so an unstable sort is fine.
        Array.Sort(keys, order);

        double ap = 0.0;
        int truePositives = 0, previousTruePositives = 0;
        for (int i = 0; i < n; i++)
        {
            truePositives += labels[order[i]];
            bool endOfThreshold = i == n - 1 || keys[i + 1] != keys[i];
            if (!endOfThreshold) continue;
            if (truePositives != previousTruePositives)
            {
                double precision = (double)truePositives / (i + 1);
                double recallGain = (double)(truePositives - previousTruePositives) / positives;
                ap += recallGain * precision;
                previousTruePositives = truePositives;
            }
        }
        return ap;
    }
}
