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

    private static List<string> Snapshot(ResultsStore store) => ScaleOut.SlurmExperimentTests.Snapshot(store);

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
            Assert.All(store.GetTaskScores().Where(s => !LlmEmbed.Evaluation.Lexical.LexicalReferences.IsReferenceName(s.Arm)), s => Assert.Equal(5L, s.Seed)); // the seed is recorded for every design score (references are seed-less),
            Assert.All(store.GetArms(), a => Assert.Equal(5L, a.Seed));       // arm run
            Assert.All(store.GetLossCurves(), c => Assert.Equal(5L, c.Seed)); // and loss curve
            Assert.All(store.GetArms(), a => Assert.Equal(Path.Combine("arms", a.Name, "train", "model"), a.CheckpointPath)); // relative to the folder
            expected = Snapshot(store);
        }

        // Merging refuses incomplete folders (naming the missing run) and runs of another experiment config.
        string partial = tmp.File("partial");
        CopyFolder(Path.Combine(full, "arms", "eos-causal"), Path.Combine(partial, "arms", "eos-causal"));
        var missing = Assert.Throws<InvalidOperationException>(() => ExperimentMerge.Merge(partial));
        Assert.Contains("multilayer-bidirectional: not started", missing.Message);
        Assert.False(File.Exists(Path.Combine(partial, ResultsStore.DefaultFileName)));
        var onlyOne = ExperimentMerge.Merge(partial, allowIncomplete: true);
        Assert.Equal(["eos-causal"], onlyOne.Merged);
        CopyFolder(Path.Combine(full, "arms", "multilayer-bidirectional"), Path.Combine(partial, "arms", "multilayer-bidirectional"));
        using (var foreign = ResultsStore.OpenFolder(Path.Combine(partial, "arms", "multilayer-bidirectional")))
            foreign.RecordExperiment(config.SourceText + "# edited\n", "x", replaceDifferentConfig: true);
        var refused = Assert.Throws<InvalidOperationException>(() => ExperimentMerge.Merge(partial));
        Assert.Contains("different experiment configs", refused.Message);
        Assert.Contains("multilayer-bidirectional", refused.Message);

        // Interrupt during the second arm's training (after its first checkpoint), then rerun.
        string resumed = tmp.File("resumed");
        using var cancel = new CancellationTokenSource();
        var stopInSecondArm = new StopAt(p => p.Context is { } c && c.StartsWith("[2/2", StringComparison.Ordinal) && p.Step >= 2, cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ExperimentRunner(config, resumed, null, stopInSecondArm).RunAsync(cancel.Token));
        Assert.False(File.Exists(Path.Combine(resumed, ResultsStore.DefaultFileName))); // only a finished run merges
        using (var store = ResultsStore.OpenFolder(Path.Combine(resumed, "arms", "eos-causal")))
            Assert.True(store.IsArmTrained("eos-causal", 5));
        using (var store = ResultsStore.OpenFolder(Path.Combine(resumed, "arms", "multilayer-bidirectional")))
            Assert.False(store.IsArmTrained("multilayer-bidirectional", 5));
        Assert.Contains("multilayer-bidirectional: training, not finished (",
            string.Join("\n", ExperimentState.Read(resumed, config).Runs.Select(r => $"{r.Key}: {r.Describe()}")));
        var secondLog = new List<string>();
        await new ExperimentRunner(config, resumed, m => { lock (secondLog) secondLog.Add(m); }).RunAsync();
        Assert.Contains(secondLog, m => m.StartsWith("[1/2 eos-causal] already trained", StringComparison.Ordinal));
        Assert.Contains(secondLog, m => m.StartsWith("[2/2 multilayer-bidirectional] training (resuming", StringComparison.Ordinal));
        using (var store = ResultsStore.OpenFolder(resumed))
            Assert.Equal(expected, Snapshot(store));

        // One arm at a time (as Slurm array tasks run them), then merge: the same database and report.
        string sharded = tmp.File("sharded");
        await new ExperimentRunner(config, sharded).RunArmAsync("multilayer-bidirectional");
        await new ExperimentRunner(config, sharded).RunArmAsync("eos-causal", 5);
        var merged = ExperimentMerge.Merge(sharded);
        Assert.Equal(["eos-causal", "multilayer-bidirectional"], merged.Merged);
        using (var store = ResultsStore.OpenFolder(sharded))
            Assert.Equal(expected, Snapshot(store));
        Assert.Equal(ScaleOut.SlurmExperimentTests.ReportText(full), ScaleOut.SlurmExperimentTests.ReportText(sharded));
        var wrongSeed = await Assert.ThrowsAsync<ArgumentException>(() => new ExperimentRunner(config, sharded).RunArmAsync("eos-causal", 6));
        Assert.Contains("--seed: 6 is not among the seeds", wrongSeed.Message);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
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
