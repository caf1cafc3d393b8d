namespace LlmEmbed.Training.Contrastive;

/// <summary>The outcome of a contrastive training run.</summary>
public sealed record ContrastiveTrainingResult(
    string OutputDir,
    string TrainableWeightsPath,
    long Steps,
    long RowsSeen,
    double FinalLoss,
    TimeSpan Elapsed);
