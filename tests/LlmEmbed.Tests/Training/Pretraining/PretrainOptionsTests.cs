using LlmEmbed.Tests.Support;
using LlmEmbed.Training;
using LlmEmbed.Training.Pretraining;

namespace LlmEmbed.Tests.Training.Pretraining;

public class PretrainOptionsTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        // The library has no workspace paths: without tokenizer and files the options are incomplete...
        var e = Assert.Throws<ArgumentException>(() => new PretrainOptions().Validate());
        Assert.Contains("files", e.Message);
        Assert.Contains("tokenizer", e.Message);
        // ...and the CLI fills in the workspace's.
        LlmEmbed.Cli.Commands.PretrainCommand.WithWorkspaceDefaults(new PretrainOptions()).Validate();
    }

    public static TheoryData<string, string> BadOptions() => new()
    {
        { "sequence_length=1", "sequence_length" },
        { "batch_size=0", "batch_size" },
        { "max_steps=0", "max_steps" },
        { "learning_rate=0", "learning_rate" },
        { "learning_rate=nan", "learning_rate" },
        { "min_learning_rate_ratio=1.5", "min_learning_rate_ratio" },
        { "warmup_steps=-1", "warmup_steps" },
        { "weight_decay=-0.1", "weight_decay" },
        { "beta1=1", "beta1" },
        { "beta2=-0.5", "beta2" },
        { "grad_clip=-1", "grad_clip" },
        { "dtype=float16", "dtype" },
        { "validation_fraction=1", "validation_fraction" },
        { "mntp_mask_probability=0", "mntp_mask_probability" },
        { "log_every=0", "log_every" },
        { "eval_every=0", "eval_every" },
        { "checkpoint_every=0", "checkpoint_every" },
        { "keep_checkpoints=0", "keep_checkpoints" },
        { "eval_batches=0", "eval_batches" },
        { "files=", "files" },
        { "sequence_length=2048", "max_position_embeddings" },
        { "model.hidden_size=0", "model.hidden_size" },
        { "model.num_hidden_layers=0", "model.num_hidden_layers" },
        { "model.num_attention_heads=5", "model.num_attention_heads" },
        { "model.num_key_value_heads=4", "model.num_key_value_heads" },
        { "model.intermediate_size=0", "model.intermediate_size" },
        { "model.model_type=gpt2", "model.model_type" },
        { "model.init_std=0", "model.init_std" },
        { "threads=-1", "threads" },
    };

    /// <summary>Applies "key=value" to a default options object, the way a YAML file would.</summary>
    private static PretrainOptions With(string assignment)
    {
        var (key, value) = (assignment.Split('=')[0], assignment.Split('=')[1]);
        string yaml = key == "files" ? "files: []"
            : key.StartsWith("model.") ? $"model:\n  {key[6..]}: {value}"
            : $"{key}: {(value == "nan" ? ".nan" : value)}";
        return PretrainOptions.Parse(yaml, "test.yaml");
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionsAreRejectedNamingTheOption(string assignment, string option)
    {
        var options = With(assignment);
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(option, e.Message);
        // The Pretrainer validates before it touches any file.
        Assert.Throws<ArgumentException>(() => new Pretrainer(options));
    }

    [Fact]
    public void AllProblemsAreReportedTogether()
    {
        var options = new PretrainOptions { BatchSize = 0, MaxSteps = 0, Dtype = "int8" };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("batch_size", e.Message);
        Assert.Contains("max_steps", e.Message);
        Assert.Contains("dtype", e.Message);
    }

    [Fact]
    public void YamlIsReadWithSnakeCaseKeysAndEnumNames()
    {
        using var tmp = TestPaths.NewTempDir();
        File.WriteAllText(tmp.File("p.yaml"), """
            output: out/run
            objective: mntp
            schedule: linear
            mntp_mask_probability: 0.3
            model:
              hidden_size: 32
              num_hidden_layers: 2
              num_attention_heads: 4
            """);
        var o = PretrainOptions.Load(tmp.File("p.yaml"));
        Assert.Equal("out/run", o.Output);
        Assert.Equal(PretrainObjective.Mntp, o.Objective);
        Assert.Equal(DecayKind.Linear, o.Schedule);
        Assert.Equal(0.3, o.MntpMaskProbability);
        Assert.Equal(32, o.Model.HiddenSize);
        Assert.Equal(2, o.Model.NumKeyValueHeads); // untouched keys keep their defaults
        Assert.Equal(256, o.SequenceLength);
        LlmEmbed.Cli.Commands.PretrainCommand.WithWorkspaceDefaults(o).Validate(); // tokenizer and files from the CLI's defaults
    }

    [Fact]
    public void YamlErrorsNameTheFileAndLine()
    {
        using var tmp = TestPaths.NewTempDir();
        File.WriteAllText(tmp.File("bad.yaml"), "max_steps: 10\nlearning_rat: 0.1\n");
        var e = Assert.Throws<InvalidDataException>(() => PretrainOptions.Load(tmp.File("bad.yaml")));
        Assert.Contains("bad.yaml:2:", e.Message);
        File.WriteAllText(tmp.File("enum.yaml"), "objective: mlm\n");
        Assert.Contains("enum.yaml:1:", Assert.Throws<InvalidDataException>(() => PretrainOptions.Load(tmp.File("enum.yaml"))).Message);
        Assert.Throws<FileNotFoundException>(() => PretrainOptions.Load(tmp.File("missing.yaml")));
    }

    [Fact]
    public void TheRepositoryDefaultConfigLoadsAndValidates()
    {
        var o = PretrainOptions.Load(Path.Combine(TestPaths.RepoRoot, "configs", "pretrain-default.yaml"));
        o.Validate();
        Assert.Equal("models/bpe-8k", o.Tokenizer);
        Assert.Equal(PretrainObjective.Clm, o.Objective);
        Assert.Equal(DecayKind.Cosine, o.Schedule);
        Assert.Equal("bfloat16", o.Dtype);
        // The issue's size window for the default model: 8-20M parameters, with its own tokenizer's vocabulary.
        var tokenizer = LlmEmbed.Tokenization.TextTokenizer.Load(Path.Combine(TestPaths.RepoRoot, o.Tokenizer));
        long parameters = o.Model.ToConfig(tokenizer.VocabSize, tokenizer.BosId, tokenizer.EosId).ParameterCount;
        Assert.InRange(parameters, 8_000_000, 20_000_000);
        Assert.True(o.SequenceLength <= o.Model.MaxPositionEmbeddings);
    }

    [Fact]
    public void FilePatternsExpandInOrderAndMissingOnesAreNamed()
    {
        using var tmp = TestPaths.NewTempDir();
        foreach (var name in new[] { "b.txt", "a.txt", "c.md" }) File.WriteAllText(tmp.File(name), "x");
        var o = new PretrainOptions { Files = [Path.Combine(tmp.Path, "*.txt"), tmp.File("c.md")] };
        Assert.Equal([tmp.File("a.txt"), tmp.File("b.txt"), tmp.File("c.md")], o.ResolveFiles());
        var none = new PretrainOptions { Files = [Path.Combine(tmp.Path, "*.json")] };
        Assert.Contains("*.json", Assert.Throws<FileNotFoundException>(() => none.ResolveFiles()).Message);
        var missing = new PretrainOptions { Files = [tmp.File("gone.txt")] };
        Assert.Contains("gone.txt", Assert.Throws<FileNotFoundException>(() => missing.ResolveFiles()).Message);
        var noDir = new PretrainOptions { Files = [Path.Combine(tmp.Path, "nodir", "*.txt")] };
        Assert.Throws<DirectoryNotFoundException>(() => noDir.ResolveFiles());
    }
}
