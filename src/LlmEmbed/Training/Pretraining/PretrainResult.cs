namespace LlmEmbed.Training.Pretraining;

/// <summary>The outcome of a pretraining run.</summary>
public sealed record PretrainResult(
    string ModelDir,
    long Steps,
    long TokensSeen,
    double FinalTrainLoss,
    double ValidationLoss,
    double ValidationPerplexity,
    double ValidationBitsPerByte,
    TimeSpan Elapsed);
