using LlmEmbed.Embedding;
using LlmEmbed.Experiments;
using LlmEmbed.Models;
using LlmEmbed.Pooling;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Redesign;

/// <summary>
/// Issue #10: one recipe object. The training YAML's <c>model:</c> block is the embedding model's config (same keys as
/// embedding_config.json), checked once; misspellings are errors that name them; a preset's attention is never
/// overridden silently; the trainer returns the saved, loadable model folder.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class RecipeTests
{
    [Fact]
    public void TheModelBlockUsesTheKeysOfEmbeddingConfigJson()
    {
        const string yaml = """
            model:
              base_model: some/base
              pooler: {kind: latent-attention, input: eos, num_latents: 4, size: default}
              attention: bidirectional
              normalize: false
              max_length: 77
              dtype: float32
              device: cpu
              instruction: {template: "{instruction} {text}", exclude_from_pooling: false}
              lora: {enabled: true, r: 4, alpha: 8, dropout: 0.05, targets: [q, v]}
            """;
        var model = ContrastiveTrainingOptions.Parse(yaml, "cfg.yaml").Model;
        Assert.Equal(PoolerKind.LatentAttention, model.Pooler.Kind);
        Assert.Equal(PoolerInput.Eos, model.Pooler.Input);
        Assert.Equal(AttentionMode.Bidirectional, model.Attention);
        Assert.Equal(77, model.MaxLength);
        Assert.False(model.Instruction.ExcludeFromPooling);
        Assert.Equal(["q", "v"], model.Lora.Targets);

        // Written as embedding_config.json and read back: the same recipe (device is a run-time choice, not saved).
        using var dir = TestPaths.NewTempDir();
        model.Save(dir.Path);
        var json = EmbeddingModelConfig.Load(dir.Path);
        Assert.Equal(model with { Device = null }, json with { Lora = json.Lora with { Seed = model.Lora.Seed } });
    }

    [Theory]
    [InlineData("lerning_rate: 1.0e-4\n", "lerning_rate")]
    [InlineData("model:\n  attention: bidirectonal\n", "bidirectonal")]
    [InlineData("model:\n  pooler: {kind: latnet}\n", "latnet")]
    [InlineData("model:\n  max_lenght: 12\n", "max_lenght")]
    [InlineData("model:\n  preset: eos-casual\n  base_model: x\nfiles: [{path: a}]\n", "eos-casual")]
    [InlineData("model:\n  dtype: float16\n  base_model: x\nfiles: [{path: a}]\n", "float16")]
    public void AMisspeltKeyOrValueIsAnErrorThatNamesIt(string yaml, string name)
    {
        var e = Assert.ThrowsAny<Exception>(() => ContrastiveTrainingOptions.Parse(yaml, "cfg.yaml").Validate());
        Assert.True(e is InvalidDataException or ArgumentException, e.GetType().Name);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void TrainCommandRejectsAMisspeltKeyNamingIt()
    {
        using var dir = TestPaths.NewTempDir();
        File.WriteAllText(dir.File("cfg.yaml"), "output: x\nlerning_rate: 1.0e-4\n");
        var stderr = new StringWriter();
        var previous = Console.Error;
        Console.SetError(stderr);
        int exit;
        try
        {
            exit = new System.CommandLine.RootCommand { LlmEmbed.Cli.Commands.TrainCommand.Create() }.Parse(["train", "--config", dir.File("cfg.yaml")]).Invoke();
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Equal(2, exit);
        Assert.Contains("lerning_rate", stderr.ToString());
    }

    [Fact]
    public void APresetsAttentionIsNeverSilentlyOverridden()
    {
        var options = ContrastiveTrainingOptions.Parse("model: {preset: latent-bidirectional, base_model: b}\n", "cfg.yaml");
        var resolved = options.Model.Resolve();
        Assert.Equal(AttentionMode.Bidirectional, resolved.Attention);
        Assert.Equal(PoolerKind.LatentAttention, resolved.Pooler.Kind);

        var conflict = ContrastiveTrainingOptions.Parse("model: {preset: latent-bidirectional, attention: causal, base_model: b}\nfiles: [{path: a}]\n", "cfg.yaml");
        var e = Assert.Throws<ArgumentException>(conflict.Validate);
        Assert.Contains("'causal' contradicts preset 'latent-bidirectional'", e.Message);

        // An experiment arm likewise: attention beside a preset must agree with it.
        var arm = new ExperimentArmConfig { Preset = "multilayer-bidirectional", Attention = AttentionMode.Causal };
        Assert.Throws<InvalidDataException>(() => arm.ModelConfig(new EmbeddingModelConfig(), "b"));
        Assert.Equal(AttentionMode.Bidirectional, new ExperimentArmConfig { Preset = "multilayer-bidirectional" }.ModelConfig(new EmbeddingModelConfig(), "b").Attention);
    }

    [Fact]
    public void TrainingAPresetTrainsAndSavesItsAttentionAndReturnsALoadableModelFolder()
    {
        using var dir = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(dir.File("base"));
        var options = ContrastiveTrainingOptions.Parse($$"""
            output: {{dir.File("run")}}
            files: [{path: {{TestPaths.Data("training", "stsb_train_pos.jsonl")}}}]
            batch_size: 4
            max_steps: 2
            warmup_steps: 1
            checkpoint_every: 1
            model: {base_model: {{baseModel}}, preset: latent-bidirectional, max_length: 24, dtype: float32}
            """, "cfg.yaml");
        EmbeddingModelEncoder? built = null;
        var result = new ContrastiveTrainer(options, o => built = EmbeddingModelEncoder.Create(o)).Run(resume: false);

        Assert.Equal(AttentionMode.Bidirectional, built!.Model.Attention);
        Assert.Equal(Path.Combine(dir.File("run"), "model"), result.ModelDir);
        using var loaded = EmbeddingModel.Load(result.ModelDir);
        Assert.Equal(AttentionMode.Bidirectional, loaded.Attention);
        Assert.Equal("latent-bidirectional", loaded.Config.Preset);
        Assert.Equal(built.Model.Encode(["a text"])[0], loaded.Encode(["a text"])[0]);
        // One model folder per run, nothing staged left behind.
        Assert.Equal(["model"], Directory.GetDirectories(dir.File("run")).Select(Path.GetFileName).Where(n => n!.StartsWith("model", StringComparison.Ordinal)));
    }

    [Fact]
    public void PaperReplicationIsBuiltFromTheReferenceDefinitions()
    {
        var config = ExperimentConfig.Load(Path.Combine(TestPaths.RepoRoot, "experiments", "paper-replication.yaml"));
        var designs = config.Arms.Take(5).Select(a => a.ModelConfig(config.Training!.Model, config.BaseModel)).ToList();
        // model1..model5 of yixuantt/PoolingAndAttn: EOS; latent block over the EOS state only; per-layer EOS states;
        // latent block over all tokens, bidirectional; per-layer means, bidirectional.
        Assert.Equal(
            [
                (PoolerKind.Eos, PoolerInput.AllTokens, AttentionMode.Causal, LayerSummary.Eos),
                (PoolerKind.LatentAttention, PoolerInput.Eos, AttentionMode.Causal, LayerSummary.Eos),
                (PoolerKind.MultiLayer, PoolerInput.AllTokens, AttentionMode.Causal, LayerSummary.Eos),
                (PoolerKind.LatentAttention, PoolerInput.AllTokens, AttentionMode.Bidirectional, LayerSummary.Mean),
                (PoolerKind.MultiLayer, PoolerInput.AllTokens, AttentionMode.Bidirectional, LayerSummary.Mean),
            ],
            designs.Select(d => (d.Pooler.Kind, d.Pooler.Input, d.Attention, MultiLayerPooler.ResolveSummary(d.Pooler.LayerSummary, d.Attention))));
        // No instructions in training; at evaluation the bare prompt before the text, pooled with it (design 5's mean
        // includes the instruction tokens, as the reference's mean over input_ids != pad does).
        Assert.All(config.Training!.Files, f => Assert.Null(f.Instruction));
        Assert.All(designs, d => Assert.False(d.Instruction.ExcludeFromPooling));
        Assert.All(designs, d => Assert.Equal("Retrieve it. a text", d.Instruction.Format("Retrieve it.", "a text")));
        Assert.Equal("model", config.Evaluation.Instructions);
        // Our variants are kept, as named extras after the five.
        Assert.Equal(["latent-causal", "mean-bidirectional"], config.Arms.Skip(5).Select(a => a.ResolvedName));
    }

    [Fact]
    public async Task EvaluateMaxLengthReachesTheEncoder()
    {
        using var dir = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(dir.File("base"));
        using var generator = (EmbeddingGenerator)LlmEmbed.Cli.Commands.EvaluateCommand.LoadModel(baseModel, "mean-bidirectional", 6);
        Assert.Equal(6, generator.Options.MaxLength);
        string text = "a sentence that is clearly longer than six tokens of the tokenizer";
        var viaEvaluate = (await generator.GenerateAsync([text]))[0].Vector.ToArray();
        Assert.Equal(generator.Model.Encode([text], new EncodeOptions { MaxLength = 6 })[0], viaEvaluate);
        Assert.NotEqual(generator.Model.Encode([text])[0], viaEvaluate); // the model's own max_length would keep more tokens
    }
}
