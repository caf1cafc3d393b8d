using LlmEmbed.Training;

namespace LlmEmbed.Experiments;

/// <summary>
/// The state of every arm run of an experiment folder, read from the runs' own stores (never from the merged
/// database): what <c>experiment status</c> shows and what <see cref="ExperimentMerge"/> checks.
/// </summary>
public sealed record ExperimentState(ExperimentConfig Config, IReadOnlyList<ArmRunState> Runs)
{
    /// <param name="output">The experiment folder.</param>
    /// <param name="expected">The experiment; default: <c>experiment.yaml</c> in the folder, else the config the run stores recorded.</param>
    public static ExperimentState Read(string output, ExperimentConfig? expected = null)
    {
        if (!Directory.Exists(output)) throw new DirectoryNotFoundException($"experiment folder not found: {output}");
        var config = expected ?? ConfigOf(output);
        string hash = ResultsStore.HashConfig(config.SourceText);
        var taskNames = ExperimentRunner.SelectTasks(config).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var runs = new List<ArmRunState>();
        foreach (var (arm, seed, key) in new ExperimentRunner(config, output).Runs)
        {
            string folder = ExperimentRunner.RunFolder(output, key);
            string storePath = Path.Combine(folder, ResultsStore.DefaultFileName);
            long? checkpoint = new CheckpointStore(Path.Combine(folder, "train", "checkpoints"), 1).Latest?.Step;
            if (!File.Exists(storePath))
            {
                runs.Add(new ArmRunState(key, arm.ResolvedName, seed, RunState.NotStarted, storePath, 0, taskNames.Count, checkpoint, null));
                continue;
            }
            using var store = ResultsStore.Open(storePath);
            string? recorded = store.GetExperiment()?.ConfigHash;
            var record = store.GetArm(arm.ResolvedName, seed);
            int scored = store.GetTaskScores().Count(s => s.Arm == arm.ResolvedName && s.Seed == seed && taskNames.Contains(s.Task));
            var state = recorded is not null && recorded != hash ? RunState.ForeignConfig
                : record is null ? RunState.NotStarted
                : record.Status == ArmStatus.Failed ? RunState.Failed
                : record.Status != ArmStatus.Trained ? RunState.Training
                : scored < taskNames.Count ? RunState.Evaluating
                : RunState.Done;
            runs.Add(new ArmRunState(key, arm.ResolvedName, seed, state, storePath, scored, taskNames.Count, checkpoint, recorded));
        }
        return new ExperimentState(config, runs);
    }

    /// <summary>The folder's experiment: its <c>experiment.yaml</c> copy, else the one config all run stores recorded.</summary>
    public static ExperimentConfig ConfigOf(string output)
    {
        string copy = Path.Combine(output, ExperimentMerge.ConfigCopyFileName);
        if (File.Exists(copy)) return ExperimentConfig.Load(copy);
        string arms = Path.Combine(output, "arms");
        var stores = Directory.Exists(arms)
            ? Directory.GetDirectories(arms).Select(d => Path.Combine(d, ResultsStore.DefaultFileName)).Where(File.Exists).Order(StringComparer.Ordinal).ToList()
            : [];
        var recorded = new List<(string Key, ExperimentRecord Record)>();
        foreach (var path in stores)
        {
            using var store = ResultsStore.Open(path);
            if (store.GetExperiment() is { } e) recorded.Add((Path.GetFileName(Path.GetDirectoryName(path))!, e));
        }
        if (recorded.Count == 0)
            throw new FileNotFoundException($"{output}: neither {ExperimentMerge.ConfigCopyFileName} nor any arm run store (arms/*/{ResultsStore.DefaultFileName}); nothing to merge");
        var byHash = recorded.GroupBy(r => r.Record.ConfigHash).ToList();
        if (byHash.Count > 1)
            throw new InvalidOperationException($"{output}: the arm runs were recorded by {byHash.Count} different experiment configs; refusing to merge them:\n  " +
                string.Join("\n  ", byHash.Select(g => $"config {g.Key[..12]}…: {string.Join(", ", g.Select(r => r.Key))}")));
        return ExperimentConfig.Parse(recorded[0].Record.ConfigText, $"{stores[0]} (recorded experiment config)");
    }
}
