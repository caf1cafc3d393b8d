using LlmEmbed.Embedding;
using LlmEmbed.Checkpoints;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class ContrastiveTrainerTests
{
    /// <summary>Reports synchronously on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>A small run over real training rows: 60 SNLI triplets + 30 MRPC pairs, GradCache chunks of 3, dropout on.</summary>
    internal static ContrastiveTrainingOptions Options(TempDir dir, string name, int maxSteps = 6)
    {
        string snli = dir.File("snli.jsonl"), mrpc = dir.File("mrpc.jsonl");
        if (!File.Exists(snli)) File.WriteAllLines(snli, File.ReadLines(TestPaths.Data("training", "snli_triplets.jsonl")).Take(60));
        if (!File.Exists(mrpc)) File.WriteAllLines(mrpc, File.ReadLines(TestPaths.Data("training", "mrpc_train_pos.jsonl")).Take(30));
        return new ContrastiveTrainingOptions
        {
            Output = Path.Combine(dir.Path, name),
            Files = [new() { Path = snli, Weight = 1 }, new() { Path = mrpc, Weight = 2, Instruction = "find a paraphrase" }],
            BatchSize = 8,
            ChunkSize = 3,
            MaxSteps = maxSteps,
            LearningRate = 5e-3,
            WarmupSteps = 2,
            LogEvery = 1,
            CheckpointEvery = 3,
            KeepCheckpoints = 2,
            Seed = 11,
            Model = new EmbeddingModelConfig { DType = "float32" },
        };
    }

    internal static Func<ContrastiveTrainingOptions, IContrastiveEncoder> Factory(List<TrigramTestEncoder> made) => o =>
    {
        var e = new TrigramTestEncoder(dropoutProbability: 0.2, dtype: o.Model.DType == "bfloat16" ? TorchSharp.torch.ScalarType.BFloat16 : TorchSharp.torch.ScalarType.Float32);
        made.Add(e);
        return e;
    };

    private static List<double> Losses(string output) =>
        new MetricsLog(Path.Combine(output, "metrics.jsonl")).Series("loss").Select(p => p.Value).ToList();

    [Fact]
    public void SameSeedGivesTheSameLossCurveAndAnotherSeedDoesNot()
    {
        using var dir = TestPaths.NewTempDir();
        var made = new List<TrigramTestEncoder>();
        var a = new ContrastiveTrainer(Options(dir, "a"), Factory(made)).Run(resume: false);
        var b = new ContrastiveTrainer(Options(dir, "b"), Factory(made)).Run(resume: false);
        var other = Options(dir, "c");
        other.Seed = 12;
        new ContrastiveTrainer(other, Factory(made)).Run(resume: false);

        Assert.Equal(6, Losses(a.OutputDir).Count);
        Assert.Equal(Losses(a.OutputDir), Losses(b.OutputDir));
        Assert.NotEqual(Losses(a.OutputDir), Losses(other.Output));
        Assert.Equal(made[0].Snapshot(), made[1].Snapshot());
        Assert.True(File.Exists(Path.Combine(a.OutputDir, "loss-curve.png")));
        // The trainer leaves its own result: the encoder's saved model (here its trainable weights) in output/model.
        Assert.Equal(Path.Combine(a.OutputDir, "model"), a.ModelDir);
        Assert.True(File.Exists(Path.Combine(a.ModelDir, ContrastiveTrainer.TrainableFile)));
        Assert.True(File.Exists(Path.Combine(a.ModelDir, "training-config.yaml")));
        // Training changed the weights (so equality above is not trivially about untouched parameters).
        manual_seed_and_compare(made[0]);
    }

    private static void manual_seed_and_compare(TrigramTestEncoder trained)
    {
        TorchSharp.torch.manual_seed(11);
        using var fresh = new TrigramTestEncoder(dropoutProbability: 0.2);
        Assert.NotEqual(fresh.Snapshot()["embed.weight"], trained.Snapshot()["embed.weight"]);
    }

    [Theory]
    [InlineData(3, 1, "float32")]
    [InlineData(4, 2, "float32")]
    [InlineData(3, 1, "bfloat16")]
    public void InterruptedAndResumedRunEndsWithBitIdenticalWeights(int stopAfter, int accumulation, string dtype)
    {
        using var dir = TestPaths.NewTempDir();
        var made = new List<TrigramTestEncoder>();
        var straightOptions = Options(dir, "straight");
        straightOptions.GradientAccumulationSteps = accumulation;
        straightOptions.CheckpointEvery = stopAfter;
        straightOptions.Model = straightOptions.Model with { DType = dtype };
        new ContrastiveTrainer(straightOptions, Factory(made)).Run(resume: false);
        var straight = made[^1].Snapshot();

        var interruptedOptions = Options(dir, "interrupted");
        interruptedOptions.GradientAccumulationSteps = accumulation;
        interruptedOptions.CheckpointEvery = stopAfter;
        interruptedOptions.Model = interruptedOptions.Model with { DType = dtype };
        using var cancel = new CancellationTokenSource();
        var stopper = new InlineProgress(p => { if (p.Step == stopAfter) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new ContrastiveTrainer(interruptedOptions, Factory(made)).Run(false, stopper, cancel.Token));
        Assert.Equal(stopAfter, new CheckpointStore(Path.Combine(interruptedOptions.Output, "checkpoints"), 2).Latest!.Value.Step);

        // A fresh trainer and a fresh encoder, as in a new process.
        var result = new ContrastiveTrainer(interruptedOptions, Factory(made)).Run(resume: true);
        Assert.Equal(6, result.Steps);
        var resumed = made[^1].Snapshot();
        foreach (var (name, values) in straight)
            Assert.True(values.AsSpan().SequenceEqual(resumed[name]), $"parameter {name} differs after resume");
        Assert.Equal(Losses(straightOptions.Output), Losses(interruptedOptions.Output));
    }

    [Fact]
    public void CancellingBetweenCheckpointsSavesTheCurrentStep()
    {
        using var dir = TestPaths.NewTempDir();
        var made = new List<TrigramTestEncoder>();
        var straight = Options(dir, "straight");
        new ContrastiveTrainer(straight, Factory(made)).Run(false);

        var options = Options(dir, "cancelled");
        using var cancel = new CancellationTokenSource();
        var stopper = new InlineProgress(p => { if (p.Step == 2) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new ContrastiveTrainer(options, Factory(made)).Run(false, stopper, cancel.Token));
        Assert.Equal(2, new CheckpointStore(Path.Combine(options.Output, "checkpoints"), 2).Latest!.Value.Step);
        new ContrastiveTrainer(options, Factory(made)).Run(resume: true);
        Assert.Equal(made[0].Snapshot(), made[^1].Snapshot());
    }

    [Fact]
    public void NonFiniteLossStopsWithTheLastGoodCheckpointIntact()
    {
        using var dir = TestPaths.NewTempDir();
        var made = new List<TrigramTestEncoder>();
        var options = Options(dir, "nan");
        Dictionary<string, float[]>? atCheckpoint = null;
        var poisoner = new InlineProgress(p =>
        {
            if (p.Step != 3) return;
            atCheckpoint = made[^1].Snapshot();
            made[^1].Poison = true;
        });
        var e = Assert.Throws<NonFiniteLossException>(() => new ContrastiveTrainer(options, Factory(made)).Run(false, poisoner));

        Assert.Equal(4, e.Step);
        Assert.True(double.IsNaN(e.Loss));
        var store = new CheckpointStore(Path.Combine(options.Output, "checkpoints"), 2);
        Assert.Equal([3L], store.List().Select(c => c.Step));
        Assert.Equal(store.Latest!.Value.Path, e.LastCheckpoint);
        Assert.Contains("step-000003", e.Message);
        var saved = SafeTensorsFile.Load(Path.Combine(e.LastCheckpoint!, ContrastiveTrainer.TrainableFile));
        foreach (var (name, values) in atCheckpoint!)
            Assert.Equal(values, saved[name].data<float>().ToArray());
        foreach (var t in saved.Values) t.Dispose();

        // The poisoned step changed nothing: the live weights still equal the checkpoint.
        Assert.Equal(atCheckpoint, made[^1].Snapshot());
    }

    [Fact]
    public void BadOptionsAndMissingFilesAreReportedBeforeAnyWork()
    {
        using var dir = TestPaths.NewTempDir();
        bool built = false;
        Func<ContrastiveTrainingOptions, IContrastiveEncoder> factory = _ => { built = true; return new TrigramTestEncoder(); };

        var bad = Options(dir, "bad");
        bad.BatchSize = 1;
        bad.LearningRate = -1;
        bad.Files[1].Weight = 0;
        var e = Assert.Throws<ArgumentException>(() => new ContrastiveTrainer(bad, factory));
        Assert.Contains("batch_size", e.Message);
        Assert.Contains("learning_rate", e.Message);
        Assert.Contains("files[1].weight", e.Message);

        var missing = Options(dir, "missing");
        missing.Files[0].Path = dir.File("nope.jsonl");
        var m = Assert.Throws<FileNotFoundException>(() => new ContrastiveTrainer(missing, factory).Run(false));
        Assert.Contains("files[0].path", m.Message);
        Assert.False(built);
        Assert.False(Directory.Exists(missing.Output));

        var failing = Options(dir, "failing");
        File.AppendAllText(failing.Files[0].Path, "{\"query\": \"x\"}\n");
        failing.OnBadRow = BadRowPolicy.Fail;
        var f = Assert.Throws<InvalidDataException>(() => new ContrastiveTrainer(failing, factory).Run(false));
        Assert.Contains($"{failing.Files[0].Path}:61: missing field 'positive'", f.Message);
        Assert.False(built);
    }

    [Fact]
    public void ExistingCheckpointsRequireResume()
    {
        using var dir = TestPaths.NewTempDir();
        var options = Options(dir, "twice", maxSteps: 3);
        var made = new List<TrigramTestEncoder>();
        new ContrastiveTrainer(options, Factory(made)).Run(false);
        var e = Assert.Throws<IOException>(() => new ContrastiveTrainer(options, Factory(made)).Run(false));
        Assert.Contains("--resume", e.Message);
    }

    [Fact]
    public void YamlUsesSnakeCaseAndSetOverridesNestedKeys()
    {
        const string yaml = """
            output: runs/x
            batch_size: 32
            chunk_size: 8
            files:
              - path: a.jsonl
                weight: 2
            model:
              pooler: {kind: mean}
              lora:
                r: 8
            """;
        var o = ContrastiveTrainingOptions.Parse(yaml, "cfg.yaml", ["learning_rate=2e-5", "model.lora.r=32", "files.0.weight=3", "files.1.path=b.jsonl", "on_bad_row=fail", "schedule=cosine"]);
        Assert.Equal(32, o.BatchSize);
        Assert.Equal(8, o.ChunkSize);
        Assert.Equal(2e-5, o.LearningRate);
        Assert.Equal(32, o.Model.Lora.Rank);
        Assert.Equal(32, o.Model.Lora.Alpha);    // untouched default
        Assert.Equal(0.1, o.Model.Lora.Dropout);
        Assert.Equal(7, o.Model.Lora.Targets.Count);
        Assert.Equal(["a.jsonl", "b.jsonl"], o.Files.Select(f => f.Path));
        Assert.Equal(3, o.Files[0].Weight);
        Assert.Equal(BadRowPolicy.Fail, o.OnBadRow);
        Assert.Equal(DecayKind.Cosine, o.Schedule);
        // Study defaults where the YAML says nothing.
        Assert.Equal(100, o.WarmupSteps);
        Assert.Equal(20, o.Scale);
        Assert.Equal(0.01, o.WeightDecay);

        var roundTrip = ContrastiveTrainingOptions.Parse(ContrastiveTrainingOptions.Serializer.Serialize(o), "written.yaml");
        Assert.Equal(ContrastiveTrainingOptions.Serializer.Serialize(o), ContrastiveTrainingOptions.Serializer.Serialize(roundTrip));

        var unknown = Assert.Throws<InvalidDataException>(() => ContrastiveTrainingOptions.Parse("batch_sise: 3\n", "cfg.yaml"));
        Assert.StartsWith("cfg.yaml:1:", unknown.Message);
        Assert.Throws<ArgumentException>(() => ContrastiveTrainingOptions.Parse(yaml, "cfg.yaml", ["no_equals_sign"]));
    }

    [Fact]
    public void LoraYamlKeysBindToTheEmbeddingLoraOptions()
    {
        const string yaml = """
            model:
              lora:
                enabled: false
                r: 4
                alpha: 8
                dropout: 0.25
                targets: [q_proj, v]
            """;
        var lora = ContrastiveTrainingOptions.Parse(yaml, "cfg.yaml").Model.Lora;
        Assert.False(lora.Enabled);
        Assert.Equal(4, lora.Rank);
        Assert.Equal(8, lora.Alpha);
        Assert.Equal(0.25, lora.Dropout);
        Assert.Equal(["q_proj", "v_proj"], lora.TargetModules());

        var set = ContrastiveTrainingOptions.Parse(yaml, "cfg.yaml", ["model.lora.targets=[down_proj]"]).Model.Lora;
        Assert.Equal(["down_proj"], set.Targets);
        // The adapter seed is the run's seed, so it is not a key of model.lora; the old YAML-only name is gone (one name per idea).
        var seed = Assert.Throws<InvalidDataException>(() => ContrastiveTrainingOptions.Parse("model:\n  lora:\n    seed: 3\n", "cfg.yaml"));
        Assert.StartsWith("cfg.yaml:3:", seed.Message);
        var old = Assert.Throws<InvalidDataException>(() => ContrastiveTrainingOptions.Parse("model:\n  lora:\n    target_modules: [q]\n", "cfg.yaml"));
        Assert.Contains("target_modules", old.Message);
    }
}
