using System.Diagnostics;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training.Pretraining;
using LlmEmbed.Training;

namespace LlmEmbed.Tests.Reliability;

/// <summary>
/// Tiny runs of <c>llm-embed train</c>, <c>pretrain</c> and <c>experiment</c> (a random 2-layer, hidden-32 model and a
/// few steps, seconds each) and one uninterrupted run of each through the real CLI: what an interrupted or contended
/// run must end up equal to. Made once for the <see cref="CliProcessCollection"/> (the kill-and-resume and the
/// concurrent-writer tests compare with the same runs).
/// </summary>
public sealed class CliReferenceRuns : IDisposable
{
    private readonly TempDir root = TestPaths.NewTempDir();
    private readonly Lazy<string> baseModel;
    private readonly Lazy<string> pretrainInputs;
    private readonly Lazy<ReferenceRun> train, pretrain, experiment;

    public const int TrainSteps = 10;
    public const int PretrainSteps = 12;
    public const int PretrainEvalEvery = 4;
    public const int ExperimentSteps = 5;
    public static readonly string[] ExperimentArms = ["eos-causal", "multilayer-bidirectional"];
    public static readonly string[] ExperimentTasks = ["STS12", "STS13"];

    public CliReferenceRuns()
    {
        baseModel = new(() => TinyBaseModel.Create(Path.Combine(root.Path, "base")));
        pretrainInputs = new(() =>
        {
            string dir = Path.Combine(root.Path, "pretrain-inputs");
            var files = TinyCorpus.Write(Path.Combine(dir, "corpus"));
            TinyCorpus.TrainTokenizer(files.SelectMany(f => f.Documents), Path.Combine(dir, "tok"));
            return dir;
        });
        train = new(() => Reference("train", WriteTrainConfig, c => ["train", "--config", c], "checkpoints", TrainSteps));
        pretrain = new(() => Reference("pretrain", WritePretrainConfig, c => ["pretrain", "--config", c], "checkpoints", PretrainSteps));
        experiment = new(() => Reference("experiment", WriteExperimentConfig, c => ["experiment", "--config", c, "--output", ExperimentOutput(c)],
            Path.Combine("arms", ExperimentArms[0], "train", "checkpoints"), ExperimentSteps));
    }

    public ReferenceRun Train => train.Value;
    public ReferenceRun Pretrain => pretrain.Value;
    public ReferenceRun Experiment => experiment.Value;

    /// <summary>Writes <c>DIR/train.yaml</c> with its output in <c>DIR/run</c>; returns the config's path.</summary>
    public string WriteTrainConfig(string dir) => Write(dir, "train.yaml", $$"""
        output: {{Path.Combine(dir, "run")}}
        files:
          - path: {{TestPaths.Data("training", "snli_triplets.jsonl")}}
        batch_size: 4
        max_steps: {{TrainSteps}}
        warmup_steps: 2
        learning_rate: 1.0e-3
        checkpoint_every: 1
        keep_checkpoints: 2
        log_every: 1
        seed: 11
        model:
          base_model: {{baseModel.Value}}
          preset: latent-causal
          max_length: 24
          dtype: float32
        """);

    /// <summary>Writes <c>DIR/pretrain.yaml</c> (a few KB of text, a 320-token BPE) with its output in <c>DIR/run</c>.</summary>
    public string WritePretrainConfig(string dir) => Write(dir, "pretrain.yaml", $$"""
        output: {{Path.Combine(dir, "run")}}
        tokenizer: {{Path.Combine(pretrainInputs.Value, "tok")}}
        files: ["{{Path.Combine(pretrainInputs.Value, "corpus")}}/*.txt"]
        validation_fraction: 0.15
        model: {hidden_size: 32, num_hidden_layers: 2, intermediate_size: 64, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 64}
        sequence_length: 32
        batch_size: 4
        max_steps: {{PretrainSteps}}
        learning_rate: 0.01
        warmup_steps: 3
        weight_decay: 0.01
        dtype: float32
        seed: 7
        log_every: 1
        eval_every: {{PretrainEvalEvery}}
        eval_batches: 4
        checkpoint_every: 1
        keep_checkpoints: 2
        threads: 1
        """);

    /// <summary>Writes <c>DIR/experiment.yaml</c> (two arms, two STS tasks); its output folder is <see cref="ExperimentOutput"/>.</summary>
    public string WriteExperimentConfig(string dir) => Write(dir, "experiment.yaml", $$"""
        name: kill-and-resume
        base_model: {{baseModel.Value}}
        seeds: [5]
        arms:
        {{string.Join("\n", ExperimentArms.Select(a => "  - preset: " + a))}}
        training:
          files:
            - path: {{TestPaths.Data("training", "stsb_train_pos.jsonl")}}
          batch_size: 4
          max_steps: {{ExperimentSteps}}
          warmup_steps: 1
          learning_rate: 1.0e-3
          checkpoint_every: 1
          log_every: 1
          model: {max_length: 24, dtype: float32}
        evaluation:
          tasks: [{{string.Join(", ", ExperimentTasks)}}]
          data: {{TestPaths.Data()}}
          max_samples_per_task: 40
          batch_size: 16
          max_length: 32
        """);

    /// <summary>The output folder of the experiment whose config is <paramref name="config"/>: <c>run</c> beside it.</summary>
    public static string ExperimentOutput(string config) => Path.Combine(Path.GetDirectoryName(config)!, "run");

    private static string Write(string dir, string name, string text)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>One uninterrupted run through the CLI, timed: start to first checkpoint, and per step up to the last.</summary>
    private ReferenceRun Reference(string name, Func<string, string> writeConfig, Func<string, string[]> arguments, string checkpoints, int steps)
    {
        string dir = Path.Combine(root.Path, "reference-" + name);
        string config = writeConfig(dir);
        string output = Path.Combine(dir, "run");
        TimeSpan? first = null, last = null;
        var clock = Stopwatch.StartNew();
        using (var child = CliChild.Start(dir, arguments(config)))
        {
            var store = new CheckpointStore(Path.Combine(output, checkpoints), 1);
            while (!child.HasExited && last is null)
            {
                long step = store.Latest?.Step ?? 0;
                if (step >= 1) first ??= clock.Elapsed;
                if (step >= steps) last = clock.Elapsed;
                Thread.Sleep(2);
            }
            child.WaitForSuccess(TimeSpan.FromMinutes(5));
        }
        Assert.True(first is not null && last is not null, $"the reference {name} run was not seen writing its first and last checkpoint under {checkpoints}");
        return new ReferenceRun(config, output, first.Value, (last.Value - first.Value) / (steps - 1));
    }

    public void Dispose() => root.Dispose();
}
