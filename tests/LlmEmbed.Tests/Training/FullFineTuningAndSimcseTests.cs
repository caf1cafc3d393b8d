using LlmEmbed.Embedding;
using LlmEmbed.Models;
using LlmEmbed.Tests.Integration;
using LlmEmbed.Tests.Support;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Training;

/// <summary>
/// The ablation's two recipes beyond the study's: full fine-tuning (every backbone weight trained, the folder bundles
/// the trained backbone) and unsupervised SimCSE rows (a plain text twice). Training reseeds torch's generator, so
/// this runs in the torch-random collection.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class FullFineTuningAndSimcseTests
{
    private static ContrastiveTrainingOptions Options(TempDir dir, string files, string model) => ContrastiveTrainingOptions.Parse($$"""
        output: {{dir.File("run")}}
        files:
        {{files}}
        batch_size: 4
        max_steps: 2
        warmup_steps: 0
        learning_rate: 1.0e-2
        checkpoint_every: 2
        seed: 3
        model:
          base_model: {{(Directory.Exists(dir.File("base")) ? dir.File("base") : TinyBaseModel.Create(dir.File("base"), seed: 7))}}
          preset: mean-bidirectional
          max_length: 32
          dtype: float32
        {{model}}
        """, "recipe.yaml");

    [Fact]
    public void FullFineTuningTrainsEveryBackboneWeightAndTheSavedFolderCarriesThem()
    {
        using var dir = TestPaths.NewTempDir();
        string data = dir.File("snli.jsonl");
        File.WriteAllLines(data, File.ReadLines(TestPaths.Data("training", "snli_triplets.jsonl")).Take(16));
        var options = Options(dir, $"  - path: {data}", "  lora: {enabled: false}\n  full_fine_tuning: true");
        options.Validate();
        var result = new ContrastiveTrainer(options, o => EmbeddingModelEncoder.Create(o)).Run(resume: false);
        Assert.True(double.IsFinite(result.FinalLoss));

        using var trained = EmbeddingModel.Load(result.ModelDir);
        Assert.True(trained.Config.BundledBase);
        Assert.True(Directory.Exists(Path.Combine(result.ModelDir, EmbeddingModel.BundledBaseFolder)));
        using var original = DecoderModel.Load(dir.File("base"), TorchSharp.torch.ScalarType.Float32);
        var before = original.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int changed = trained.Backbone.named_parameters().Count(p => (p.parameter - before[p.name]).abs().max().item<float>() > 0);
        Assert.Equal(before.Count, trained.Backbone.named_parameters().Count());
        Assert.True(changed >= before.Count - 1, $"{changed} of {before.Count} backbone tensors changed"); // all but, at most, an unused one

        // The recipe is checked once: full fine-tuning and LoRA together are a named error.
        var both = Assert.Throws<ArgumentException>(() => Options(dir, $"  - path: {data}", "  full_fine_tuning: true").Validate());
        Assert.Contains("full_fine_tuning", both.Message);
        Assert.Contains("lora.enabled: false", both.Message);
    }

    [Fact]
    public void SimcseRowsAreEachTextTwiceAndNeedDropout()
    {
        using var dir = TestPaths.NewTempDir();
        string texts = dir.File("texts.txt");
        File.WriteAllLines(texts, ["A man plays a guitar.", "", "Two dogs run on the beach.", "The stock market fell sharply today.", "A child reads a book.", "Rain is expected tomorrow."]);
        var summary = new DataValidationSummary();
        var rows = ContrastiveDataReader.ReadSimcse(texts, summary);
        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal(r.Query, r.Positive));
        Assert.All(rows, r => Assert.Null(r.Negative));
        Assert.Equal("Two dogs run on the beach.", rows[1].Query);
        Assert.Equal(3, rows[1].Line);
        Assert.Equal(1, summary.RowsSkipped);

        var noDropout = Assert.Throws<ArgumentException>(() => Options(dir, $"  - {{path: {texts}, simcse: true}}", "  lora: {dropout: 0}").Validate());
        Assert.Contains("files[0].simcse needs dropout", noDropout.Message);

        var options = Options(dir, $"  - {{path: {texts}, simcse: true}}", "  lora: {dropout: 0.3}");
        Assert.True(options.Files[0].Simcse);
        var result = new ContrastiveTrainer(options, o => EmbeddingModelEncoder.Create(o)).Run(resume: false);
        Assert.True(double.IsFinite(result.FinalLoss) && result.FinalLoss > 0, $"loss {result.FinalLoss}");
        Assert.Contains("simcse: true", File.ReadAllText(dir.File("run/training-config.yaml")));
    }
}
