using System.Diagnostics;
using System.Text.Json;
using LlmEmbed.Checkpoints;
using LlmEmbed.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Supervised contrastive fine-tuning of an embedding model (the study's recipe): mixed JSONL training files,
/// InfoNCE with in-batch and hard negatives, optional GradCache and gradient accumulation, AdamW with warmup and
/// linear/cosine decay, gradient clipping, atomic checkpoints with exact resume, metrics log and loss curve.
/// </summary>
/// <remarks>
/// Everything that decides the numbers derives from the seed and the step: the data order (a pure function of the
/// rows consumed, <see cref="ContrastiveDataMixture"/>), dropout (generators reseeded per chunk from (seed, step,
/// micro-batch), <see cref="GradCache"/>), initialisation (the global generator is seeded before the encoder factory
/// runs) and the learning rate (<see cref="LearningRateSchedule"/>). A checkpoint holds the trainable parameters,
/// the optimiser state (moments, float32 masters, step), the CPU generator state and the data position, so a resumed
/// run continues bit for bit like an uninterrupted one. Frozen parameters are not checkpointed: the factory must
/// rebuild them identically (from the model files or the seed).
/// </remarks>
public sealed class ContrastiveTrainer
{
    private readonly ContrastiveTrainingOptions options;
    private readonly Func<ContrastiveTrainingOptions, IContrastiveEncoder> encoderFactory;
    private readonly Action<string> log;

    public const string TrainableFile = "trainable.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string RngFile = "rng.safetensors";
    public const string StateFile = "state.json";

    public ContrastiveTrainer(ContrastiveTrainingOptions options, Func<ContrastiveTrainingOptions, IContrastiveEncoder> encoderFactory, Action<string>? log = null)
    {
        options.Validate();
        this.options = options;
        this.encoderFactory = encoderFactory;
        this.log = log ?? (_ => { });
    }

    public string CheckpointRoot => Path.Combine(options.Output, "checkpoints");
    /// <summary>Where <see cref="Run"/> leaves the trained model (for an embedding model: a folder <c>embed</c>/<c>evaluate</c> load).</summary>
    public string ModelDir => Path.Combine(options.Output, "model");

    /// <summary>The data-validation summary of the last <see cref="Run"/>.</summary>
    public DataValidationSummary? DataSummary { get; private set; }

    public ContrastiveTrainingResult Run(bool resume, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        // Everything that can be checked cheaply is checked before the model is built.
        options.CheckInputsExist();
        // One process at a time: a second one would resume from this one's live checkpoints and interleave metrics.
        using var folderLock = FolderLock.Acquire(options.Output, "llm-embed train", log: log);
        var store = new CheckpointStore(CheckpointRoot, options.KeepCheckpoints);
        var latest = store.Latest;
        if (latest != null && !resume)
            throw new IOException($"{options.Output} already holds checkpoints (latest step {latest.Value.Step}); pass --resume to continue it or choose another output folder");
        if (resume && latest == null) log($"no checkpoint under {CheckpointRoot}; starting from scratch");

        var summary = new DataValidationSummary();
        var files = new List<IReadOnlyList<ContrastiveExample>>();
        foreach (var file in options.Files)
        {
            int skippedBefore = summary.RowsSkipped;
            var rows = file.Simcse
                ? ContrastiveDataReader.ReadSimcse(file.Path, summary, file.Instruction)
                : ContrastiveDataReader.Read(file.Path, options.OnBadRow, summary, file.Instruction);
            files.Add(rows);
            log($"data: {file.Path}: {rows.Count} rows" + (summary.RowsSkipped > skippedBefore ? $", {summary.RowsSkipped - skippedBefore} malformed rows skipped" : ""));
        }
        DataSummary = summary;
        if (summary.RowsSkipped > 0)
        {
            log($"data: {summary}");
            foreach (var example in summary.Examples) log($"  {example}");
        }
        var mixture = new ContrastiveDataMixture(files, options.Files.Select(f => f.Weight).ToList(), options.Seed);
        int rowsPerStep = options.BatchSize * options.GradientAccumulationSteps;
        log($"data: {mixture.RowsPerEpoch} rows per epoch, {rowsPerStep} rows per step ({(double)options.MaxSteps * rowsPerStep / mixture.RowsPerEpoch:F2} epochs)");
        string dataFingerprint = Fingerprint(mixture);
        NegativeAvailability.Require(mixture, options.BatchSize, options.GradientAccumulationSteps, options.MaxSteps, options.MaskDuplicatePositives);

        if (options.Threads > 0) set_num_threads(options.Threads);
        Directory.CreateDirectory(options.Output);
        AtomicFile.WriteAllText(Path.Combine(options.Output, "training-config.yaml"), ContrastiveTrainingOptions.Serializer.Serialize(options));

        manual_seed(options.Seed);
        var encoder = encoderFactory(options);
        encoder.Train(true);
        var parameters = encoder.TrainableParameters().ToList();
        var duplicate = parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new InvalidOperationException($"the encoder lists trainable parameter '{duplicate.Key}' more than once");
        using var optimizer = new AdamW(parameters, options.WeightDecay, options.Beta1, options.Beta2, options.Eps);
        log($"model: {optimizer.TrainableParameterCount:N0} trainable parameters in {parameters.Count} tensors");
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.MaxSteps, options.Schedule, options.MinLearningRateRatio);
        var loss = new InfoNceLoss(options.Scale, options.SymmetricLoss, options.MaskDuplicatePositives, options.Matryoshka);
        int chunk = options.ChunkSize > 0 ? options.ChunkSize : options.BatchSize;
        var gradCache = new GradCache(encoder, loss, chunk, cacheGradients: options.ChunkSize > 0);
        var metrics = new MetricsLog(Path.Combine(options.Output, "metrics.jsonl"));

        var start = TrainingLoop.Start(latest, dir => RestoreCheckpoint(dir, parameters, optimizer, dataFingerprint, rowsPerStep), metrics, log);
        var loop = new TrainingLoop
        {
            MaxSteps = options.MaxSteps,
            LogEvery = options.LogEvery,
            CheckpointEvery = options.CheckpointEvery,
            Schedule = schedule,
            Metrics = metrics,
            Parameters = parameters.Select(p => (p.Name, (Tensor)p.Parameter)).ToList(),
            RateName = "rows_per_second",
            Progress = progress,
            Log = log,
            AfterCheckpoint = () => LossCurvePlot.Save(metrics, Path.Combine(options.Output, "loss-curve.png"), "contrastive training", ("loss", "train loss")),
        };
        long step = loop.Run(start, s =>
        {
            double stepLoss = 0;
            optimizer.ZeroGrad();
            for (int micro = 0; micro < options.GradientAccumulationSteps; micro++)
            {
                long position = s * rowsPerStep + (long)micro * options.BatchSize;
                var batch = mixture.Batch(position, options.BatchSize);
                long batchSeed = ContrastiveDataMixture.Mix(options.Seed, s + 1, micro + 1);
                double microLoss = gradCache.Accumulate(batch, batchSeed, 1.0 / options.GradientAccumulationSteps, double.IsFinite);
                if (!double.IsFinite(microLoss)) return new TrainingLoop.StepResult(microLoss, double.NaN, rowsPerStep);
                stepLoss += microLoss / options.GradientAccumulationSteps;
            }
            double gradNorm = optimizer.ClipGradNorm(options.GradClip);
            var epoch = new Dictionary<string, object?> { ["epoch"] = Math.Round((double)(s + 1) * rowsPerStep / mixture.RowsPerEpoch, 4) };
            return new TrainingLoop.StepResult(stepLoss, gradNorm, rowsPerStep, epoch);
        }, optimizer.StepWith, (s, lastLoss, elapsed) => SaveCheckpoint(store, s, parameters, optimizer, dataFingerprint, rowsPerStep, lastLoss, elapsed), cancellation);

        // The run's product: a complete model folder, written beside its final name and renamed into place.
        AtomicFolder.Write(ModelDir, staging =>
        {
            encoder.Save(staging);
            AtomicFile.WriteAllText(Path.Combine(staging, "training-config.yaml"), ContrastiveTrainingOptions.Serializer.Serialize(options));
        });
        LossCurvePlot.Save(metrics, Path.Combine(options.Output, "loss-curve.png"), "contrastive training", ("loss", "train loss"));
        double finalLoss = double.IsFinite(loop.LastLoss) ? loop.LastLoss : LastLoggedLoss(metrics, step);
        var result = new ContrastiveTrainingResult(options.Output, ModelDir, step, step * rowsPerStep, finalLoss, loop.Elapsed);
        AtomicFile.WriteAllText(Path.Combine(options.Output, "result.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return result;
    }

    /// <summary>Identifies the data stream (files, their valid row counts, weights, seed) so a resume on changed data is refused.</summary>
    private string Fingerprint(ContrastiveDataMixture mixture) =>
        string.Join(";", options.Files.Select((f, i) => $"{Path.GetFileName(f.Path)}:{mixture.Quotas[i]}:{f.Weight.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}")) + $";seed={options.Seed};batch={options.BatchSize}";

    /// <summary>The loss logged at <paramref name="step"/> (for checkpoints written before state.json held it), else NaN.</summary>
    internal static double LastLoggedLoss(MetricsLog metrics, long step) => TrainingLoop.LastLoggedLoss(metrics, step);

    private string SaveCheckpoint(CheckpointStore store, long step, List<(string Name, Parameter Parameter)> parameters, AdamW optimizer, string fingerprint, int rowsPerStep,
        double loss, TimeSpan elapsed)
    {
        return store.Save(step, dir =>
        {
            SafeTensorsFile.Save(Path.Combine(dir, TrainableFile), parameters.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)));
            SafeTensorsFile.Save(Path.Combine(dir, OptimizerFile), optimizer.StateTensors());
            using (var rng = random.get_rng_state())
                SafeTensorsFile.Save(Path.Combine(dir, RngFile), [new("cpu_rng_state", rng)]);
            File.WriteAllText(Path.Combine(dir, StateFile), JsonSerializer.Serialize(new
            {
                step,
                optimizer_step = optimizer.Step,
                rows_consumed = step * rowsPerStep,
                seed = options.Seed,
                data = fingerprint,
                // What a resume at the final step needs to finish without running a step: the loss of the step and
                // the time spent in all segments so far.
                loss = double.IsFinite(loss) ? loss : (double?)null,
                elapsed_seconds = elapsed.TotalSeconds,
            }));
        });
    }

    private static (long Step, double Loss, TimeSpan Elapsed) RestoreCheckpoint(string dir, List<(string Name, Parameter Parameter)> parameters, AdamW optimizer, string fingerprint, int rowsPerStep)
    {
        string statePath = Path.Combine(dir, StateFile);
        using var state = JsonDocument.Parse(File.ReadAllText(statePath));
        var root = state.RootElement;
        long step = root.GetProperty("step").GetInt64();
        long optimizerStep = root.GetProperty("optimizer_step").GetInt64();
        long rows = root.GetProperty("rows_consumed").GetInt64();
        string savedData = root.GetProperty("data").GetString() ?? "";
        double loss = root.TryGetProperty("loss", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetDouble() : double.NaN;
        var elapsed = TimeSpan.FromSeconds(root.TryGetProperty("elapsed_seconds", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : 0);
        if (savedData != fingerprint)
            throw new InvalidDataException($"{statePath}: the checkpoint was made with different data or batching ({savedData}); now {fingerprint}. Resume with the same files, weights, seed and batch_size");
        if (rows != step * rowsPerStep)
            throw new InvalidDataException($"{statePath}: {rows} rows consumed by step {step} does not match {rowsPerStep} rows per step (gradient_accumulation_steps changed?)");

        string weightsPath = Path.Combine(dir, TrainableFile);
        var weights = SafeTensorsFile.Load(weightsPath);
        var opt = SafeTensorsFile.Load(Path.Combine(dir, OptimizerFile));
        var rng = SafeTensorsFile.Load(Path.Combine(dir, RngFile));
        try
        {
            using (no_grad())
            {
                foreach (var (name, p) in parameters)
                {
                    if (!weights.TryGetValue(name, out var t)) throw new InvalidDataException($"{weightsPath}: lacks trainable parameter '{name}'");
                    if (!t.shape.SequenceEqual(p.shape))
                        throw new InvalidDataException($"{weightsPath}: '{name}' has shape [{string.Join(", ", t.shape)}], the model's is [{string.Join(", ", p.shape)}]");
                    p.copy_(t);
                }
            }
            optimizer.LoadState(opt, optimizerStep, Path.Combine(dir, OptimizerFile));
            if (!rng.TryGetValue("cpu_rng_state", out var rngState)) throw new InvalidDataException($"{Path.Combine(dir, RngFile)}: lacks 'cpu_rng_state'");
            random.set_rng_state(rngState);
        }
        finally
        {
            foreach (var t in weights.Values.Concat(opt.Values).Concat(rng.Values)) t.Dispose();
        }
        return (step, loss, elapsed);
    }
}
