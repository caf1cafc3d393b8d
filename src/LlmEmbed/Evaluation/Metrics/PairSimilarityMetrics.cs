namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// MTEB pair-classification results for one similarity function: best accuracy and best F1 over the scanned
/// thresholds, the precision and recall at the best F1, and the average precision of the scores.
/// </summary>
public sealed record PairSimilarityMetrics(
    double Accuracy,
    double AccuracyThreshold,
    double F1,
    double F1Threshold,
    double Precision,
    double Recall,
    double AveragePrecision);
