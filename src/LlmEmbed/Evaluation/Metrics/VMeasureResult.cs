namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Homogeneity, completeness and V-measure of a clustering, with the entropies (nats) behind them.</summary>
public sealed record VMeasureResult(
    double Homogeneity,
    double Completeness,
    double VMeasure,
    double EntropyTrue,
    double EntropyPredicted,
    double MutualInformation);
