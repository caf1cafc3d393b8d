using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;
using LlmEmbed.Tests.Training;

namespace LlmEmbed.Tests.Integration;

/// <summary>
/// The experiment runner end to end on a tiny random base model: every arm trained and evaluated, everything in
/// results.sqlite, the report written; and an interrupted run, rerun, skips the trained arm and ends with the same
/// database as an uninterrupted run.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class ExperimentRunnerTests
{
    private static string ExperimentYaml(string baseModel) => $$"""
        name: test
        base_model: {{baseModel}}
        seeds: [5]
        arms:
          - preset: eos-causal
          - preset: multilayer-bidirectional
        training:
          files:
            - path: {{TestPaths.Data("training", "stsb_train_pos.jsonl")}}
          batch_size: 4
          max_steps: 4
          warmup_steps: 1
          learning_rate: 1.0e-3
          checkpoint_every: 1
          log_every: 1
          model: {max_length: 24, dtype: float32}
        evaluation:
          tasks: [STS12, STS13, STSBenchmark]
          data: {{TestPaths.Data()}}
          max_samples_per_task: 40
          batch_size: 16
          max_length: 32
        """;

    private static List<string> Snapshot(ResultsStore store) =>
        store.GetTaskScores().Select(s => $"{s.Arm}|{s.Task}|{s.Category}|{s.Split}|{s.MainScore:R}|{s.MetricsJson}")
            .Concat(store.GetArms().Select(a => $"{a.Name}|{a.Status}"))
            .Concat(store.GetLossCurves().SelectMany(c => c.Points.Select(p => $"{c.Arm}|{p.Step}|{p.Loss:R}")))
            .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task InterruptedRunResumesWithoutRetrainingAndMatchesAnUninterruptedRun()
    {
        using var tmp = TestPaths.NewTempDir();
        string baseModel = TinyBaseModel.Create(tmp.File("base"));
        var config = ExperimentConfig.Parse(ExperimentYaml(baseModel), "test.yaml");

        string full = tmp.File("full");
        var report = await new ExperimentRunner(config, full).RunAsync();
        Assert.True(File.Exists(report.MarkdownPath) && File.Exists(report.HtmlPath));
        List<string> expected;
        using (var store = ResultsStore.OpenFolder(full))
        {
            // 2 arms × 3 tasks, plus the lexical floor: tfidf-word and tfidf-char on the 3 STS tasks (bm25 does not apply).
            Assert.Equal(6, store.GetTaskScores().Count(s => s.Arm is "eos-causal" or "multilayer-bidirectional"));
            Assert.Equal(["tfidf-char", "tfidf-word"], store.GetTaskScores().Where(s => s.Arm.StartsWith("tfidf", StringComparison.Ordinal)).Select(s => s.Arm).Distinct().Order().ToArray());
            Assert.Equal(12, store.GetTaskScores().Count);
            Assert.All(store.GetTaskScores(), s => Assert.InRange(s.MainScore, -1, 1));
            Assert.All(store.GetArms(), a => Assert.Equal(ArmStatus.Trained, a.Status));
            expected = Snapshot(store);
        }

        // Interrupt during the second arm's training (after its first checkpoint), then rerun.
        string resumed = tmp.File("resumed");
        using var cancel = new CancellationTokenSource();
        var stopInSecondArm = new StopAt(p => p.Context is { } c && c.StartsWith("[2/2", StringComparison.Ordinal) && p.Step >= 2, cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ExperimentRunner(config, resumed, null, stopInSecondArm).RunAsync(cancel.Token));
        using (var store = ResultsStore.OpenFolder(resumed))
        {
            Assert.True(store.IsArmTrained("eos-causal"));
            Assert.False(store.IsArmTrained("multilayer-bidirectional"));
        }
        var secondLog = new List<string>();
        await new ExperimentRunner(config, resumed, m => { lock (secondLog) secondLog.Add(m); }).RunAsync();
        Assert.Contains(secondLog, m => m.StartsWith("[1/2 eos-causal] already trained", StringComparison.Ordinal));
        Assert.Contains(secondLog, m => m.StartsWith("[2/2 multilayer-bidirectional] training (resuming", StringComparison.Ordinal));
        using (var store = ResultsStore.OpenFolder(resumed))
            Assert.Equal(expected, Snapshot(store));
    }

    private sealed class StopAt(Func<LlmEmbed.Training.TrainingProgress, bool> when, CancellationTokenSource cancel) : IProgress<LlmEmbed.Training.TrainingProgress>
    {
        public void Report(LlmEmbed.Training.TrainingProgress value)
        {
            if (when(value)) cancel.Cancel();
        }
    }

    [Fact]
    public void InvalidExperimentFilesAreRejectedWithTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => ExperimentConfig.Parse("name: x\narms: []\ntraining: {max_steps: 1}\n", "bad.yaml"));
        Assert.Contains("arms", e.Message);
        var dup = Assert.Throws<ArgumentException>(() => ExperimentConfig.Parse("arms: [{preset: eos-causal}, {preset: eos-causal}]\ntraining: {max_steps: 1}\n", "dup.yaml"));
        Assert.Contains("'eos-causal' is used by 2 arms", dup.Message);
        var unknown = Assert.Throws<InvalidDataException>(() => ExperimentConfig.Parse("arms: [{preset: eos-causal}]\ntraning: {}\n", "typo.yaml"));
        Assert.Contains("typo.yaml:2", unknown.Message);
        Assert.Contains("traning", unknown.Message);
    }
}
