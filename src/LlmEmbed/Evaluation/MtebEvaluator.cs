using System.Diagnostics;
using System.Security.Cryptography;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Evaluators;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Evaluation.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmEmbed.Evaluation;

/// <summary>
/// Runs MTEB-style tasks for one embedding model: reads each task's data, encodes through the cache, applies the
/// task type's protocol, and writes one MTEB-layout result file per task plus a Markdown summary.
/// </summary>
public sealed class MtebEvaluator
{
    private readonly MtebEvaluatorOptions _options;
    private readonly TextEncoder _encoder;
    private readonly IProgress<string> _progress;

    public string ModelId { get; }
    /// <summary>Texts sent to the model so far (repeated evaluations hit the cache and add nothing).</summary>
    public long EncodedTextCount => _encoder.EncodedTextCount;

    public MtebEvaluator(IEmbeddingGenerator<string, Embedding<float>> generator, string modelId, MtebEvaluatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.DataRoot)) throw new DirectoryNotFoundException($"data root {options.DataRoot} does not exist");
        if (options.MaxSamplesPerTask is < 2) throw new ArgumentException($"MaxSamplesPerTask must be >= 2, got {options.MaxSamplesPerTask}", nameof(options));
        _options = options;
        ModelId = modelId;
        var logger = options.Logger;
        _progress = new Reporter(options.Progress, logger);
        string? cacheFolder = options.CacheFolder ?? Path.Combine(options.OutputFolder, "embedding-cache");
        var cache = cacheFolder.Length == 0 ? null : new EmbeddingCache(cacheFolder);
        _encoder = new TextEncoder(generator, modelId, cache, options.BatchSize, options.InstructionMode, _progress, options.Dimensions);
    }

    /// <summary>Evaluates the tasks in order, writing each result as soon as it is done.</summary>
    public async Task<IReadOnlyList<TaskResult>> EvaluateAsync(IEnumerable<TaskDefinition> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var list = tasks.ToArray();
        var results = new List<TaskResult>();
        for (int i = 0; i < list.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _progress.Report($"[{i + 1}/{list.Length}] {list[i].Name} ({TaskTypeNames.ToName(list[i].Type)})");
            _options.TaskProgress?.Report(new EvaluationProgress(i, list.Length, list[i].Name));
            var result = await EvaluateTaskAsync(list[i], cancellationToken).ConfigureAwait(false);
            string path = result.Save(_options.OutputFolder);
            ItemScoresFile.SaveAll(_options.OutputFolder, result);
            _progress.Report($"[{i + 1}/{list.Length}] {list[i].Name}: {result.MainScore:F4} -> {path}");
            _options.TaskProgress?.Report(new EvaluationProgress(i + 1, list.Length, list[i].Name, result.MainScore));
            results.Add(result);
        }
        if (results.Count > 0)
        {
            AtomicFile.WriteAllText(Path.Combine(_options.OutputFolder, "summary.md"), ResultsSummary.ToMarkdown(results));
        }
        return results;
    }

    /// <summary>Evaluates one task without writing anything.</summary>
    public async Task<TaskResult> EvaluateTaskAsync(TaskDefinition task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        string folder = Path.GetFullPath(Path.Combine(_options.DataRoot, task.Path));
        var context = new TaskContext(task, folder, _encoder, _options.MaxSamplesPerTask, _options.Seed, _progress);
        var watch = Stopwatch.StartNew();
        SplitScores scores = task.Type switch
        {
            TaskType.Sts => await StsEvaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false),
            TaskType.PairClassification => await PairClassificationEvaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false),
            TaskType.Classification => await ClassificationEvaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false),
            TaskType.Clustering => await ClusteringEvaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false),
            TaskType.Reranking => await RerankingEvaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false),
            TaskType.Retrieval => await RetrievalEvaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false),
            _ => throw new NotSupportedException($"task type {task.Type} is not supported"),
        };
        watch.Stop();
        // The registry names the main score; the evaluator's metrics must contain it.
        if (!scores.Metrics.TryGetValue(task.MainScore, out double main))
            throw new InvalidOperationException(
                $"{task.Name}: main score '{task.MainScore}' is not among the {task.Type} metrics ({string.Join(", ", scores.Metrics.Keys.Order())})");
        scores = scores with { MainScore = main };
        if (_options.MaxSamplesPerTask is int max)
            context.Warnings.Add($"subsampled to at most {max} rows per split (test mode): not comparable to full results");
        if (_options.Dimensions is int dims)
            context.Warnings.Add($"embeddings truncated to their first {dims} components and re-normalised (dimensions {dims})");
        return new TaskResult(
            task.Name, DatasetRevision(folder), new Dictionary<string, IReadOnlyList<SplitScores>> { [task.EvalSplit] = [scores] },
            watch.Elapsed.TotalSeconds, ModelId, TaskTypeNames.ToName(task.Type), task.Category, context.EvaluatedRows, context.Warnings,
            MainScoreName: task.MainScore);
    }

    // A content hash of the dataset folder's files stands in for the Hugging Face dataset revision.
    internal static string DatasetRevision(string folder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(folder, file).Replace('\\', '/') + "\n"));
            using var stream = File.OpenRead(file);
            hash.AppendData(SHA256.HashData(stream));
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private sealed class Reporter(IProgress<string>? progress, ILogger? logger) : IProgress<string>
    {
        public void Report(string value)
        {
            progress?.Report(value);
            if (logger is null) return;
            if (value.StartsWith("warning:", StringComparison.Ordinal)) logger.LogWarning("{Message}", value);
            else logger.LogInformation("{Message}", value);
        }
    }
}
