using System.Diagnostics;
using System.Text.Json;
using LlmEmbed.Embedding;
using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Training;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Experiments;

/// <summary>
/// Runs an experiment: trains every arm with the identical data order and seed, evaluates every arm on every task,
/// records everything in <c>results.sqlite</c> in the output folder, and writes the report. Rerunning resumes:
/// trained arms and finished (arm, task) scores are skipped, and an interrupted arm continues from its newest
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

    /// <summary>The runs of the experiment: every arm for every seed, in execution order.</summary>
    public IReadOnlyList<(ExperimentArmConfig Arm, long Seed, string Key)> Runs =>
        config.Seeds.SelectMany(seed => config.Arms.Select(arm => (arm, seed, RunKey(arm, seed)))).ToList();

    private string RunKey(ExperimentArmConfig arm, long seed) => config.Seeds.Count > 1 ? $"{arm.ResolvedName}@seed{seed}" : arm.ResolvedName;

    public async Task<ExperimentReportFiles> RunAsync(CancellationToken cancellation = default)
    {
        // Everything that can be checked is checked before the first minute of training.
        if (!File.Exists(Path.Combine(config.BaseModel, "config.json")))
            throw new FileNotFoundException($"base_model: '{config.BaseModel}' has no config.json (pretrain one with `llm-embed pretrain` or point base_model at a Hugging Face model folder)");
        var registry = TaskRegistry.Load();
        var types = config.Evaluation.TaskTypes.Select(TaskTypeNames.Parse).ToList();
        var tasks = registry.Select(config.Evaluation.Tasks.Count > 0 ? config.Evaluation.Tasks : null, types.Count > 0 ? types : null);
        if (tasks.Count == 0) throw new ArgumentException("evaluation: no task selected");
        string dataRoot = DataRoot.Resolve(config.Evaluation.Data);
        foreach (var (arm, seed, _) in Runs) ArmTrainingOptions(arm, seed); // parses and validates each arm's recipe now

        Directory.CreateDirectory(output);
        using var store = ResultsStore.OpenFolder(output);
        store.RecordExperiment(config.SourceText, SoftwareVersions());
        var clock = Stopwatch.StartNew();
        var runs = Runs;
        int done = 0;
        foreach (var (arm, seed, key) in runs)
        {
            cancellation.ThrowIfCancellationRequested();
            string prefix = $"[{done + 1}/{runs.Count} {key}]";
            var started = clock.Elapsed;
            string modelDir = Train(store, arm, seed, key, prefix, cancellation);
            await EvaluateAsync(store, arm, seed, key, modelDir, tasks, dataRoot, prefix, cancellation);
            done++;
            var perRun = (clock.Elapsed - started).TotalSeconds;
            var remaining = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / done * (runs.Count - done));
            log($"{prefix} finished in {perRun:F0} s; {runs.Count - done} arm run(s) left, ETA {remaining:hh\\:mm\\:ss}");
        }
        EvaluateReferences(store, tasks, dataRoot, cancellation);
        var report = ExperimentReport.Write(output, store, $"LlmEmbed design comparison: {config.Name}");
        log($"report: {report.MarkdownPath} and {report.HtmlPath}");
        return report;
    }

    private ContrastiveTrainingOptions ArmTrainingOptions(ExperimentArmConfig arm, long seed)
    {
        var overrides = new List<string>
        {
            $"output={Path.Combine(output, "arms", RunKey(arm, seed), "train")}",
            $"seed={seed}",
            $"model.path={config.BaseModel}",
            $"model.pooling={arm.Preset ?? arm.Pooler}",
        };
        if (arm.Attention is { } a) overrides.Add($"model.attention={a}");
        else if (arm.Preset is { } p) overrides.Add($"model.attention={EmbeddingPresets.Get(p).Attention.ToString().ToLowerInvariant()}");
        var options = ContrastiveTrainingOptions.Parse(config.TrainingYaml, $"{config.Source} (training, arm {arm.ResolvedName})", overrides);
        options.Validate();
        return options;
    }

    private string Train(ResultsStore store, ExperimentArmConfig arm, long seed, string key, string prefix, CancellationToken cancellation)
    {
        string armDir = Path.Combine(output, "arms", key);
        string modelDir = Path.Combine(armDir, "model");
        if (store.IsArmTrained(key) && File.Exists(Path.Combine(modelDir, EmbeddingModelConfig.FileName)))
        {
            log($"{prefix} already trained, skipping training");
            return modelDir;
        }
        var options = ArmTrainingOptions(arm, seed);
        store.UpsertArm(new ArmRecord(key, JsonSerializer.Serialize(new { arm.Name, arm.Preset, arm.Pooler, arm.Attention, seed, training = config.TrainingYaml }), ArmStatus.Training));
        EmbeddingModelEncoder? encoder = null;
        var trainer = new ContrastiveTrainer(options, o => encoder = EmbeddingModelEncoder.Create(o), m => log($"{prefix} {m}"));
        bool resume = Directory.Exists(trainer.CheckpointRoot) && Directory.EnumerateDirectories(trainer.CheckpointRoot, "step-*").Any();
        log($"{prefix} training ({(resume ? "resuming from its newest checkpoint" : "from the base model")})");
        var clock = Stopwatch.StartNew();
        var progress = trainingProgress is null ? null : new PrefixedProgress(trainingProgress, prefix);
        var result = trainer.Run(resume, progress, cancellation);
        encoder!.Model.Save(modelDir);
        var losses = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl")).Series("loss").Select(p => ((long)p.Step, p.Value));
        store.RecordTrainingLoss(key, losses);
        store.SetArmStatus(key, ArmStatus.Trained, modelDir, clock.Elapsed.TotalSeconds);
        log($"{prefix} trained: {result.Steps} steps, final loss {result.FinalLoss:F4}");
        return modelDir;
    }

    private async Task EvaluateAsync(ResultsStore store, ExperimentArmConfig arm, long seed, string key, string modelDir,
        IReadOnlyList<TaskDefinition> tasks, string dataRoot, string prefix, CancellationToken cancellation)
    {
        long? seedKey = config.Seeds.Count > 1 ? seed : null;
        var pending = tasks.Where(t => !store.HasScore(arm.ResolvedName, t.Name, seedKey)).ToList();
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
            OutputFolder = Path.Combine(Path.GetDirectoryName(modelDir)!, "eval"),
            BatchSize = config.Evaluation.BatchSize,
            MaxSamplesPerTask = config.Evaluation.MaxSamplesPerTask,
            InstructionMode = config.Evaluation.Instructions == "none" ? InstructionMode.None : InstructionMode.InText,
            Progress = new EncodingProgressFilter(m => log($"{prefix} {m}")),
        });
        foreach (var task in pending)
        {
            cancellation.ThrowIfCancellationRequested();
            var result = await evaluator.EvaluateTaskAsync(task, cancellation);
            var (split, scores) = result.Scores.First();
            store.UpsertTaskScore(new TaskScoreRecord(arm.ResolvedName, task.Name, Category(task.Type), split, result.MainScore,
                JsonSerializer.Serialize(scores[0].Metrics), result.EvaluationTimeSeconds, seedKey));
            log($"{prefix} {task.Name}: {result.MainScore:F4} ({task.MainScore}, {result.EvaluationTimeSeconds:F1} s)");
        }
    }

    // The lexical floor: each reference on every task it applies to, stored like an arm's scores (seed-less: they
    // are deterministic); the analysis keeps references out of the designs' tests by name.
    private void EvaluateReferences(ResultsStore store, IReadOnlyList<TaskDefinition> tasks, string dataRoot, CancellationToken cancellation)
    {
        foreach (string name in config.References)
        {
            var evaluator = new LlmEmbed.Evaluation.Lexical.LexicalReferenceEvaluator(
                LlmEmbed.Evaluation.Lexical.LexicalReferences.Parse(name), dataRoot, config.Evaluation.MaxSamplesPerTask);
            foreach (var task in tasks.Where(t => evaluator.AppliesTo(t) && !store.HasScore(name, t.Name)))
            {
                cancellation.ThrowIfCancellationRequested();
                var result = evaluator.EvaluateTask(task, cancellation);
                var (split, scores) = result.Scores.First();
                store.UpsertTaskScore(new TaskScoreRecord(name, task.Name, Category(task.Type), split, result.MainScore,
                    JsonSerializer.Serialize(scores[0].Metrics), result.EvaluationTimeSeconds));
                log($"[reference {name}] {task.Name}: {result.MainScore:F4} ({task.MainScore}, {result.EvaluationTimeSeconds:F1} s)");
            }
        }
    }

    /// <summary>The analysis category of a task type (the study's unit of comparison).</summary>
    public static string Category(TaskType type) => type switch
    {
        TaskType.Sts => TaskCategories.Sts,
        TaskType.Retrieval => TaskCategories.Retrieval,
        TaskType.Reranking => TaskCategories.Reranking,
        TaskType.Classification => TaskCategories.Classification,
        TaskType.Clustering => TaskCategories.Clustering,
        TaskType.PairClassification => TaskCategories.PairClassification,
        _ => type.ToString().ToLowerInvariant(),
    };

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
