using System.Diagnostics;
using System.Text.Json;
using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.IO;
using LlmEmbed.Training;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Experiments;

/// <summary>
/// Runs an experiment: trains every arm with the identical data order and seed, evaluates every arm on every task,
/// and writes the report. The unit of work is an arm run, one (arm, seed): <see cref="RunArmAsync"/> runs one into its
/// own folder <c>arms/KEY/</c> with its own store (<c>arms/KEY/results.sqlite</c>), so runs on different machines never
/// write the same file; <see cref="ExperimentMerge"/> then combines the run stores into <c>results.sqlite</c> and writes
/// the report. <see cref="RunAsync"/> (the local run) does exactly that, one run after another. Rerunning resumes:
/// trained runs and finished (arm, seed, task) scores are skipped, and an interrupted run continues from its newest
/// training checkpoint, so a killed run ends with the same database as an uninterrupted one.
/// </summary>
public sealed class ExperimentRunner
{
    private readonly ExperimentConfig config;
    private readonly string output;
    private readonly Action<string> log;
    private readonly IProgress<TrainingProgress>? trainingProgress;

    public ExperimentRunner(ExperimentConfig config, string output, Action<string>? log = null, IProgress<TrainingProgress>? trainingProgress = null)
    {
        this.config = config;
        this.output = output;
        this.log = log ?? (_ => { });
        this.trainingProgress = trainingProgress;
    }

    /// <summary>Arm-run progress of <see cref="RunAsync"/> (a progress bar over the runs, with ETA).</summary>
    public IProgress<ExperimentProgress>? Progress { get; init; }

    /// <summary>Task-level progress of each arm run's evaluation.</summary>
    public IProgress<EvaluationProgress>? TaskProgress { get; init; }

    /// <summary>The runs of the experiment: every arm for every seed, in execution order.</summary>
    public IReadOnlyList<(ExperimentArmConfig Arm, long Seed, string Key)> Runs =>
        config.Seeds.SelectMany(seed => config.Arms.Select(arm => (arm, seed, RunKey(arm, seed)))).ToList();

    private string RunKey(ExperimentArmConfig arm, long seed) => RunKey(config, arm, seed);

    /// <summary>The folder name of an arm run under <c>arms/</c>: the arm's name, with <c>@seedN</c> when the experiment has several seeds.</summary>
    public static string RunKey(ExperimentConfig config, ExperimentArmConfig arm, long seed) =>
        config.Seeds.Count > 1 ? $"{arm.ResolvedName}@seed{seed}" : arm.ResolvedName;

    /// <summary>The folder of one arm run: its training checkpoints, model, evaluation files and its own store.</summary>
    public static string RunFolder(string output, string key) => Path.Combine(output, "arms", key);

    /// <summary>Where an arm run's evaluation writes: the MTEB result per task (<c>{task}.json</c>), its item scores
    /// (<c>{task}.items.tsv</c>) and the embedding cache.</summary>
    public static string EvaluationFolder(string output, string key) => Path.Combine(RunFolder(output, key), "eval");

    /// <summary>The tasks every arm is evaluated on (the experiment's evaluation selection).</summary>
    public static IReadOnlyList<TaskDefinition> SelectTasks(ExperimentConfig config)
    {
        var registry = TaskRegistry.Load();
        var types = config.Evaluation.TaskTypes.Select(TaskTypeNames.Parse).ToList();
        var tasks = registry.Select(config.Evaluation.Tasks.Count > 0 ? config.Evaluation.Tasks : null, types.Count > 0 ? types : null);
        if (tasks.Count == 0) throw new ArgumentException("evaluation: no task selected");
        return tasks;
    }

    /// <summary>Runs every (arm, seed) one after another, each into its own folder and store, then merges them and writes the report.</summary>
    public async Task<ExperimentReportFiles> RunAsync(CancellationToken cancellation = default)
    {
        var (tasks, dataRoot) = Prepare(Runs);
        // One process at a time owns the experiment folder (the merge writes results.sqlite and the report there).
        Directory.CreateDirectory(output);
        using var folderLock = FolderLock.Acquire(output, "llm-embed experiment", log: log);
        var clock = Stopwatch.StartNew();
        var runs = Runs;
        int done = 0;
        foreach (var (arm, seed, key) in runs)
        {
            cancellation.ThrowIfCancellationRequested();
            string prefix = $"[{done + 1}/{runs.Count} {key}]";
            var started = clock.Elapsed;
            TimeSpan? eta = done == 0 ? null : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (runs.Count - done));
            Progress?.Report(new ExperimentProgress(done, runs.Count, key, "training", clock.Elapsed, eta));
            await RunUnitAsync(arm, seed, key, tasks, dataRoot, prefix, cancellation);
            done++;
            var perRun = (clock.Elapsed - started).TotalSeconds;
            var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (runs.Count - done));
            Progress?.Report(new ExperimentProgress(done, runs.Count, key, "done", clock.Elapsed, remaining));
            log($"{prefix} finished in {perRun:F0} s; {runs.Count - done} arm run(s) left, ETA {remaining:hh\\:mm\\:ss}");
        }
        var merged = ExperimentMerge.Merge(output, log: log, dataRoot: config.Evaluation.Data);
        return merged.Report!;
    }

    /// <summary>
    /// Runs exactly one arm run (training + evaluation) into <c>arms/KEY/</c> and its store <c>arms/KEY/results.sqlite</c>;
    /// it writes nothing outside that folder. <paramref name="seed"/> may be omitted when the experiment has one seed.
    /// </summary>
    public async Task RunArmAsync(string armName, long? seed = null, CancellationToken cancellation = default)
    {
        var arm = config.Arms.FirstOrDefault(a => a.ResolvedName == armName)
                  ?? throw new ArgumentException($"--arm: no arm named '{armName}' in {config.Source} (arms: {string.Join(", ", config.Arms.Select(a => a.ResolvedName))})");
        long runSeed = seed ?? (config.Seeds.Count == 1
            ? config.Seeds[0]
            : throw new ArgumentException($"--seed: {config.Source} lists {config.Seeds.Count} seeds ({string.Join(", ", config.Seeds)}); say which one to run"));
        if (!config.Seeds.Contains(runSeed))
            throw new ArgumentException($"--seed: {runSeed} is not among the seeds of {config.Source} ({string.Join(", ", config.Seeds)})");
        var run = Runs.Single(r => r.Arm == arm && r.Seed == runSeed);
        var (tasks, dataRoot) = Prepare([run]);
        await RunUnitAsync(arm, runSeed, run.Key, tasks, dataRoot, $"[{run.Key}]", cancellation);
    }

    /// <summary>Everything that can be checked is checked before the first minute of training.</summary>
    private (IReadOnlyList<TaskDefinition> Tasks, string DataRoot) Prepare(IReadOnlyList<(ExperimentArmConfig Arm, long Seed, string Key)> runs)
    {
        if (!File.Exists(Path.Combine(config.BaseModel, "config.json")))
            throw new FileNotFoundException($"base_model: '{config.BaseModel}' has no config.json (pretrain one with `llm-embed pretrain` or point base_model at a Hugging Face model folder)");
        var tasks = SelectTasks(config);
        string dataRoot = config.Evaluation.Data is { Length: > 0 } data ? Path.GetFullPath(data)
            : throw new ArgumentException("evaluation.data: the data folder is not set (llm-embed experiment fills in its default data folder)");
        if (!Directory.Exists(dataRoot)) throw new DirectoryNotFoundException($"evaluation.data: '{dataRoot}' does not exist");
        foreach (var (arm, seed, key) in runs) ArmTrainingOptions(arm, seed, key); // builds and validates each arm's recipe now
        return (tasks, dataRoot);
    }

    private async Task RunUnitAsync(ExperimentArmConfig arm, long seed, string key, IReadOnlyList<TaskDefinition> tasks, string dataRoot,
        string prefix, CancellationToken cancellation)
    {
        string folder = RunFolder(output, key);
        Directory.CreateDirectory(folder);
        // One process at a time owns an arm run's folder: a second would resume from the first one's live
        // checkpoints. Per arm folder, so that Slurm array tasks of one experiment never wait for each other.
        using var folderLock = FolderLock.Acquire(folder, "llm-embed experiment arm " + key, log: log);
        using var store = ResultsStore.OpenFolder(folder);
        store.RecordExperiment(config.SourceText, SoftwareVersions());
        try
        {
            string modelDir = Train(store, arm, seed, key, prefix, cancellation);
            await EvaluateAsync(store, arm, seed, key, modelDir, tasks, dataRoot, prefix, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Recorded so that `experiment status` and `experiment merge` name the failed run; a rerun retries it.
            if (store.GetArm(arm.ResolvedName, seed) is not null) store.SetArmStatus(arm.ResolvedName, ArmStatus.Failed, seed: seed);
            throw;
        }
    }

    private ContrastiveTrainingOptions ArmTrainingOptions(ExperimentArmConfig arm, long seed, string key) =>
        config.ArmTraining(arm, seed, Path.Combine(RunFolder(output, key), "train"));

    private string Train(ResultsStore store, ExperimentArmConfig arm, long seed, string key, string prefix, CancellationToken cancellation)
    {
        var options = ArmTrainingOptions(arm, seed, key);
        var trainer = new ContrastiveTrainer(options, EmbeddingModelEncoder.Create, m => log($"{prefix} {m}"));
        if (store.IsArmTrained(arm.ResolvedName, seed) && File.Exists(Path.Combine(trainer.ModelDir, EmbeddingModelConfig.FileName)))
        {
            log($"{prefix} already trained, skipping training");
            return trainer.ModelDir;
        }
        store.UpsertArm(new ArmRecord(arm.ResolvedName, JsonSerializer.Serialize(new { arm.Name, model = options.Model, seed, training = ContrastiveTrainingOptions.Serializer.Serialize(config.Training!) }, EmbeddingModelConfig.JsonOptions), ArmStatus.Training, Seed: seed));
        bool resume = Directory.Exists(trainer.CheckpointRoot) && Directory.EnumerateDirectories(trainer.CheckpointRoot, "step-*").Any();
        log($"{prefix} training ({(resume ? "resuming from its newest checkpoint" : "from the base model")})");
        var progress = trainingProgress is null ? null : new PrefixedProgress(trainingProgress, prefix);
        var result = trainer.Run(resume, progress, cancellation);
        var losses = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl")).Series("loss").Select(p => ((long)p.Step, p.Value));
        store.RecordTrainingLoss(arm.ResolvedName, losses, seed);
        store.SetArmStatus(arm.ResolvedName, ArmStatus.Trained, result.ModelDir, result.Elapsed.TotalSeconds, seed); // all resumed segments
        log($"{prefix} trained: {result.Steps} steps, final loss {result.FinalLoss:F4}");
        return result.ModelDir;
    }

    private async Task EvaluateAsync(ResultsStore store, ExperimentArmConfig arm, long seed, string key, string modelDir,
        IReadOnlyList<TaskDefinition> tasks, string dataRoot, string prefix, CancellationToken cancellation)
    {
        var pending = tasks.Where(t => !store.HasScore(arm.ResolvedName, t.Name, seed)).ToList();
        if (pending.Count == 0)
        {
            log($"{prefix} all {tasks.Count} tasks already evaluated");
            return;
        }
        using var model = EmbeddingModel.Load(modelDir);
        var encode = new EncodeOptions { BatchSize = config.Evaluation.BatchSize, MaxLength = config.Evaluation.MaxLength };
        using var generator = new EmbeddingGenerator(model, key, encode);
        var evaluator = new MtebEvaluator(generator, key, new MtebEvaluatorOptions
        {
            DataRoot = dataRoot,
            OutputFolder = EvaluationFolder(output, key),
            BatchSize = config.Evaluation.BatchSize,
            MaxSamplesPerTask = config.Evaluation.MaxSamplesPerTask,
            InstructionMode = config.Evaluation.Instructions switch { "none" => InstructionMode.None, "in-text" => InstructionMode.InText, _ => InstructionMode.Separate },
            Progress = new EncodingProgressFilter(m => log($"{prefix} {m}")),
        });
        int evaluated = tasks.Count - pending.Count;
        foreach (var task in pending)
        {
            cancellation.ThrowIfCancellationRequested();
            TaskProgress?.Report(new EvaluationProgress(evaluated, tasks.Count, task.Name));
            var result = await evaluator.EvaluateTaskAsync(task, cancellation);
            TaskProgress?.Report(new EvaluationProgress(++evaluated, tasks.Count, task.Name, result.MainScore));
            var (split, scores) = result.Scores.First();
            // The MTEB result and its item scores go into the run's eval folder before the score is recorded, so a
            // recorded score always has its files (the merge loads the item scores from there).
            result.Save(EvaluationFolder(output, key));
            ItemScoresFile.SaveAll(EvaluationFolder(output, key), result);
            store.UpsertTaskScore(new TaskScoreRecord(arm.ResolvedName, task.Name, Category(task.Type), split, result.MainScore,
                JsonSerializer.Serialize(scores[0].Metrics), result.EvaluationTimeSeconds, seed));
            log($"{prefix} {task.Name}: {result.MainScore:F4} ({task.MainScore}, {result.EvaluationTimeSeconds:F1} s)");
        }
    }

    /// <summary>The analysis category of a task type (the study's unit of comparison): the task type's own name.</summary>
    public static string Category(TaskType type) => TaskTypeNames.ToName(type);

    public static string SoftwareVersions() => JsonSerializer.Serialize(new
    {
        llmembed = typeof(ExperimentRunner).Assembly.GetName().Version?.ToString(),
        dotnet = Environment.Version.ToString(),
        torchsharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(),
        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        processors = Environment.ProcessorCount,
    });

    /// <summary>Passes evaluation progress on, except the per-batch "encoded i/n" lines (only the last of each set).</summary>
    private sealed class EncodingProgressFilter(Action<string> write) : IProgress<string>
    {
        private static readonly System.Text.RegularExpressions.Regex Partial = new(@"encoded (\d+)/(\d+)$");

        public void Report(string value)
        {
            var m = Partial.Match(value);
            if (m.Success && m.Groups[1].Value != m.Groups[2].Value) return;
            write(value);
        }
    }

    private sealed class PrefixedProgress(IProgress<TrainingProgress> inner, string prefix) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => inner.Report(value with { Context = prefix });
    }
}
