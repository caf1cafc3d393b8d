using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Tasks;

namespace LlmEmbed.Evaluation.Evaluators;

/// <summary>What an evaluator needs besides the task: the dataset folder, the encoder, subsampling, seed and a sink for warnings.</summary>
public sealed class TaskContext
{
    public TaskDefinition Task { get; }
    /// <summary>Absolute dataset folder (data root + task path).</summary>
    public string DatasetFolder { get; }
    /// <summary>The model's encoder; null for models that do not embed texts one by one (the lexical references).</summary>
    public TextEncoder? Encoder { get; }
    /// <summary>When set, at most this many evaluation rows (pairs, texts, queries, instances) are used; for tests only.</summary>
    public int? MaxSamples { get; }
    public int Seed { get; }
    public IProgress<string>? Progress { get; }
    public List<string> Warnings { get; } = [];
    /// <summary>Rows actually evaluated (set by the evaluator).</summary>
    public int EvaluatedRows { get; set; }

    public TaskContext(TaskDefinition task, string datasetFolder, TextEncoder? encoder, int? maxSamples, int seed, IProgress<string>? progress)
    {
        Task = task;
        DatasetFolder = datasetFolder;
        Encoder = encoder;
        MaxSamples = maxSamples;
        Seed = seed;
        Progress = progress;
    }

    /// <summary>The instruction for texts of this role (never for documents).</summary>
    public string? InstructionFor(TextRole role) => role == TextRole.Document ? null : Task.Instruction;

    public Task<float[][]> EncodeAsync(string split, TextRole role, IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        (Encoder ?? throw new InvalidOperationException($"{Task.Name}: this evaluation has no text encoder")).EncodeAsync(Task.Name, split, role, InstructionFor(role), texts, cancellationToken);

    public void Warn(string message)
    {
        Warnings.Add(message);
        Progress?.Report($"warning: {Task.Name}: {message}");
    }

    /// <summary>The rows kept under <see cref="MaxSamples"/>: a seeded random subset, in original order.</summary>
    public IReadOnlyList<T> Subsample<T>(IReadOnlyList<T> rows, int? limit = null)
    {
        int? max = limit ?? MaxSamples;
        if (max is null || rows.Count <= max) return rows;
        return Sampling.SubsetIndices(rows.Count, max.Value, Seed).Select(i => rows[i]).ToArray();
    }
}
