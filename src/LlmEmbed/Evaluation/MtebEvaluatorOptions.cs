using LlmEmbed.Evaluation.Tasks;
using Microsoft.Extensions.Logging;

namespace LlmEmbed.Evaluation;

/// <summary>Settings of <see cref="MtebEvaluator"/>.</summary>
public sealed record MtebEvaluatorOptions
{
    /// <summary>Folder holding the datasets (the CLI finds a default; the library takes it as given).</summary>
    public required string DataRoot { get; init; }
    /// <summary>Folder that receives one <c>{task}.json</c> per task plus <c>summary.md</c>.</summary>
    public required string OutputFolder { get; init; }
    /// <summary>Embedding cache folder; null = <c>{OutputFolder}/embedding-cache</c>; empty string = no cache.</summary>
    public string? CacheFolder { get; init; }
    public int BatchSize { get; init; } = 32;
    /// <summary>Subsample every task to at most this many evaluation rows. For tests only: results are not comparable.</summary>
    public int? MaxSamplesPerTask { get; init; }
    public InstructionMode InstructionMode { get; init; } = InstructionMode.InText;
    /// <summary>
    /// Evaluate the embeddings cut to their first this-many components and re-normalised (null = full size), for any
    /// model — to measure what truncation costs with and without Matryoshka training. The cache keeps full vectors.
    /// </summary>
    public int? Dimensions { get; init; }
    /// <summary>Seed of every random choice (undersampling, half splits, k-means, subsampling).</summary>
    public int Seed { get; init; } = 42;
    public IProgress<string>? Progress { get; init; }
    /// <summary>Task-level progress of <see cref="MtebEvaluator.EvaluateAsync"/> (a progress bar over the tasks).</summary>
    public IProgress<EvaluationProgress>? TaskProgress { get; init; }
    public ILogger? Logger { get; init; }
}
