using System.Text.Json;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training;
using LlmEmbed.Training;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Tests.Reliability;

/// <summary>Issue #15, defects 2, 4, 5 and the summed Elapsed of defect 9, reproduced on the contrastive trainer.</summary>
[Collection(TorchRandomCollection.Name)]
public class TrainingReliabilityTests
{
    [Fact]
    public void RunKilledAfterItsFinalCheckpointResumesToItsCompleteModelFolder()
    {
        using var dir = TestPaths.NewTempDir();
        var made = new List<TrigramTestEncoder>();
        var options = ContrastiveTrainerTests.Options(dir, "final", maxSteps: 3);
        var first = new ContrastiveTrainer(options, ContrastiveTrainerTests.Factory(made)).Run(resume: false);
        // As if killed right after the final checkpoint: the model folder and result.json were never written.
        Directory.Delete(Path.Combine(options.Output, "model"), recursive: true);
        File.Delete(Path.Combine(options.Output, "result.json"));

        var again = new ContrastiveTrainer(options, ContrastiveTrainerTests.Factory(made)).Run(resume: true);

        Assert.Equal(3, again.Steps);
        Assert.True(double.IsFinite(again.FinalLoss), $"final loss {again.FinalLoss}");
        Assert.Equal(first.FinalLoss, again.FinalLoss);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.ModelDir, ContrastiveTrainer.TrainableFile)), File.ReadAllBytes(Path.Combine(again.ModelDir, ContrastiveTrainer.TrainableFile)));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.Output, "result.json")));
        Assert.Equal(first.FinalLoss, json.RootElement.GetProperty("FinalLoss").GetDouble());
        // Elapsed counts every segment: at least the time the first one had spent when it wrote its final checkpoint.
        var checkpoint = new CheckpointStore(Path.Combine(options.Output, "checkpoints"), 2).Latest!.Value.Path;
        using (var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, ContrastiveTrainer.StateFile))))
        {
            double before = state.RootElement.GetProperty("elapsed_seconds").GetDouble();
            Assert.True(before > 0);
            Assert.True(again.Elapsed.TotalSeconds > before, $"{again.Elapsed.TotalSeconds} <= {before}");
        }

        // --resume of a finished run is the same: it completes again, identically.
        var third = new ContrastiveTrainer(options, ContrastiveTrainerTests.Factory(made)).Run(resume: true);
        Assert.Equal(first.FinalLoss, third.FinalLoss);
    }

    [Fact]
    public void OneRowWithoutNegativesIsAnErrorBeforeTraining()
    {
        using var dir = TestPaths.NewTempDir();
        string data = dir.File("one.jsonl");
        File.WriteAllText(data, "{\"query\": \"a cat sits\", \"positive\": \"a cat is sitting\"}\n");
        var options = ContrastiveTrainerTests.Options(dir, "one");
        options.Files = [new() { Path = data, Weight = 1 }];
        var made = new List<TrigramTestEncoder>();
        var e = Assert.Throws<InvalidDataException>(() => new ContrastiveTrainer(options, ContrastiveTrainerTests.Factory(made)).Run(resume: false));
        Assert.Contains("the batch of step 1", e.Message);
        Assert.Contains("gives no query a negative", e.Message);
        Assert.Contains($"{data}:1", e.Message);
        Assert.Empty(made); // no model was built
        Assert.False(Directory.Exists(Path.Combine(options.Output, "checkpoints")));

        // The same row with a hard negative trains.
        File.WriteAllText(data, "{\"query\": \"a cat sits\", \"positive\": \"a cat is sitting\", \"negative\": \"a dog runs\"}\n");
        Assert.True(NegativeAvailability.HasNegative([new("q", "p", "n", null, data, 1)], maskDuplicatePositives: true));
        Assert.False(NegativeAvailability.HasNegative([new("q", "p", null, null, data, 1), new("q", "p", null, null, data, 1)], maskDuplicatePositives: true));
        Assert.True(NegativeAvailability.HasNegative([new("q", "p", null, null, data, 1), new("q", "p", null, null, data, 1)], maskDuplicatePositives: false));
    }

    [Fact]
    public void DivergenceIsCaughtAtTheStepItHappensAndNeverCheckpointed()
    {
        using var dir = TestPaths.NewTempDir();
        var made = new List<TrigramTestEncoder>();
        var options = ContrastiveTrainerTests.Options(dir, "diverge");
        options.LearningRate = 1e6;
        options.WarmupSteps = 0;
        options.CheckpointEvery = 1;
        var e = Assert.Throws<NonFiniteLossException>(() => new ContrastiveTrainer(options, ContrastiveTrainerTests.Factory(made)).Run(resume: false));
        Assert.Equal(1, e.Step);
        Assert.Contains("the weights diverged: parameter '", e.Message);
        Assert.Contains("No checkpoint had been written yet", e.Message);
        Assert.Null(new CheckpointStore(Path.Combine(options.Output, "checkpoints"), 2).Latest);
    }

    [Fact]
    public void GuardChecksLossGradientAndWeights()
    {
        var guard = new DivergenceGuard(maxAbsWeight: 10);
        guard.CheckGradients(1, 0.5, 1.0, null);
        Assert.Contains("the loss is NaN", Assert.Throws<NonFiniteLossException>(() => guard.CheckGradients(2, double.NaN, 1, null)).Message);
        Assert.Contains("the gradient norm is ", Assert.Throws<NonFiniteLossException>(() => guard.CheckGradients(3, 0.5, double.PositiveInfinity, "ck")).Message);
        using var ok = TorchSharp.torch.tensor(new float[] { -9.5f, 3 });
        using var big = TorchSharp.torch.tensor(new float[] { 1, 11 });
        using var nan = TorchSharp.torch.tensor(new float[] { 1, float.NaN });
        guard.CheckWeights(4, 0.5, [("ok", ok)], null);
        Assert.Contains("parameter 'big' reached |w| = 11 (limit 10)", Assert.Throws<NonFiniteLossException>(() => guard.CheckWeights(5, 0.5, [("ok", ok), ("big", big)], null)).Message);
        Assert.Contains("parameter 'nan' became non-finite", Assert.Throws<NonFiniteLossException>(() => guard.CheckWeights(6, 0.5, [("nan", nan)], null)).Message);
    }
}
