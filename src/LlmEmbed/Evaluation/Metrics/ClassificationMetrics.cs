namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Accuracy and macro-averaged F1 as scikit-learn computes them.</summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of exact matches.</summary>
    public static double Accuracy<T>(IReadOnlyList<T> truth, IReadOnlyList<T> predicted) where T : notnull
    {
        CheckLengths(truth, predicted);
        var comparer = EqualityComparer<T>.Default;
        int correct = 0;
        for (int i = 0; i < truth.Count; i++)
            if (comparer.Equals(truth[i], predicted[i])) correct++;
        return (double)correct / truth.Count;
    }

    /// <summary>
    /// <c>f1_score(average='macro')</c>: the unweighted mean of per-label F1 over the union of labels in the truth and
    /// the predictions (a label never predicted, or predicted but absent, scores 0).
    /// </summary>
    public static double MacroF1<T>(IReadOnlyList<T> truth, IReadOnlyList<T> predicted) where T : notnull
    {
        CheckLengths(truth, predicted);
        var tp = new Dictionary<T, int>();
        var fp = new Dictionary<T, int>();
        var fn = new Dictionary<T, int>();
        var labels = new HashSet<T>();
        var comparer = EqualityComparer<T>.Default;
        for (int i = 0; i < truth.Count; i++)
        {
            labels.Add(truth[i]);
            labels.Add(predicted[i]);
            if (comparer.Equals(truth[i], predicted[i])) tp[truth[i]] = tp.GetValueOrDefault(truth[i]) + 1;
            else
            {
                fp[predicted[i]] = fp.GetValueOrDefault(predicted[i]) + 1;
                fn[truth[i]] = fn.GetValueOrDefault(truth[i]) + 1;
            }
        }
        double sum = 0;
        foreach (T label in labels)
        {
            int t = tp.GetValueOrDefault(label);
            int denominator = 2 * t + fp.GetValueOrDefault(label) + fn.GetValueOrDefault(label);
            sum += denominator > 0 ? 2.0 * t / denominator : 0.0;
        }
        return sum / labels.Count;
    }

    private static void CheckLengths<T>(IReadOnlyList<T> truth, IReadOnlyList<T> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count != predicted.Count)
            throw new ArgumentException($"truth has {truth.Count} labels but predicted has {predicted.Count}", nameof(predicted));
        if (truth.Count == 0)
            throw new ArgumentException("no labels to score", nameof(truth));
    }
}
