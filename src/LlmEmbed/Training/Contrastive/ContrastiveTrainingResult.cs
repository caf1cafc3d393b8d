namespace LlmEmbed.Training.Contrastive;

/// <summary>The outcome of a contrastive training run; <paramref name="ModelDir"/> holds the saved, loadable model.</summary>
public sealed record ContrastiveTrainingResult(
    string OutputDir,
    string ModelDir,
    long Steps,
    long RowsSeen,
    double FinalLoss,
    TimeSpan Elapsed);
