using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Experiments;

/// <summary>
/// Combines the per-run stores of an experiment folder (<c>arms/KEY/results.sqlite</c>, one per (arm, seed)) into the
/// folder's one <c>results.sqlite</c> and writes the report. It is the only writer of that file, and it writes it to a
/// temporary name first, so a failed merge leaves the previous database untouched. Runs recorded under another
/// experiment config (a different hash) are refused; runs that are missing, failed or incomplete are named, and the
/// merge stops unless <c>allowIncomplete</c> is set.
/// </summary>
public static class ExperimentMerge
{
    /// <summary>The copy of the experiment file that <c>experiment submit</c> writes into the output folder.</summary>
    public const string ConfigCopyFileName = "experiment.yaml";

    /// <param name="output">The experiment folder (holding <c>arms/</c>).</param>
    /// <param name="expected">The experiment the runs must belong to; default: the copy in the folder
    /// (<see cref="ConfigCopyFileName"/>), else the config recorded in the run stores (which must then all agree).</param>
    /// <param name="allowIncomplete">Merge the complete runs even when others are missing or failed.</param>
    /// <param name="dataRoot">The evaluation data folder when the experiment's <c>evaluation.data</c> is not set (the CLI passes its default).</param>
    public static ExperimentMergeResult Merge(string output, ExperimentConfig? expected = null, bool allowIncomplete = false, Action<string>? log = null, string? dataRoot = null)
    {
        log ??= _ => { };
        var state = ExperimentState.Read(output, expected);
        var config = state.Config;
        if (string.IsNullOrEmpty(config.Evaluation.Data) && dataRoot is not null) config.Evaluation.Data = dataRoot;
        var foreign = state.Runs.Where(r => r.State == RunState.ForeignConfig).Select(r => r.Key).Concat(StrayRuns(output, state)).ToList();
        if (foreign.Count > 0)
            throw new InvalidOperationException($"{output}: refusing to merge: arm run(s) {string.Join(", ", foreign)} were recorded by another experiment config " +
                $"than {config.Source} (hash {ResultsStore.HashConfig(config.SourceText)[..12]}…); rerun them with this config or move them away");
        var incomplete = state.Runs.Where(r => r.State != RunState.Done).ToList();
        if (incomplete.Count > 0)
        {
            string list = string.Join("\n  ", incomplete.Select(r => $"{r.Key}: {r.Describe()}"));
            if (!allowIncomplete || incomplete.Count == state.Runs.Count)
                throw new InvalidOperationException($"{output}: {incomplete.Count} of {state.Runs.Count} arm run(s) are not complete, nothing merged:\n  {list}");
            log($"merging without {incomplete.Count} incomplete arm run(s):\n  {list}");
        }

        // The lexical floor, evaluated once per folder (later merges reuse it).
        string referenceStore = ReferenceArms.EvaluateMissing(output, config, log);
        string database = Path.Combine(output, ResultsStore.DefaultFileName);
        string temporary = database + ".merge-tmp";
        // A merge killed half-way leaves the temporary database and its rollback journal: both are stale.
        File.Delete(temporary);
        File.Delete(temporary + "-journal");
        var complete = state.Runs.Where(r => r.State == RunState.Done).ToList();
        try
        {
            using (var merged = ResultsStore.Open(temporary))
            {
                var versions = new List<string>();
                foreach (var run in complete)
                {
                    using var unit = ResultsStore.Open(run.StorePath);
                    versions.Add(unit.GetExperiment()!.SoftwareVersions);
                }
                merged.RecordExperiment(config.SourceText, string.Join("\n", versions.Distinct()));
                foreach (var run in complete)
                {
                    using var unit = ResultsStore.Open(run.StorePath);
                    CopyRun(unit, merged, run, output);
                }
                ReferenceArms.CopyInto(referenceStore, config, merged);
            }
            File.Move(temporary, database, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
            File.Delete(temporary + "-journal");
        }
        log($"merged {complete.Count} arm run(s) into {database}");
        using var store = ResultsStore.Open(database);
        var report = ExperimentReport.Write(output, store, $"LlmEmbed design comparison: {config.Name}");
        log($"report: {report.MarkdownPath} and {report.HtmlPath}");
        return new ExperimentMergeResult(database, complete.Select(r => r.Key).ToList(), incomplete.Select(r => $"{r.Key}: {r.Describe()}").ToList(), report);
    }

    /// <summary>Run folders with a store that belong to no run of the experiment and hold another config.</summary>
    private static IEnumerable<string> StrayRuns(string output, ExperimentState state)
    {
        string arms = Path.Combine(output, "arms");
        if (!Directory.Exists(arms)) yield break;
        var known = state.Runs.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        string hash = ResultsStore.HashConfig(state.Config.SourceText);
        foreach (var folder in Directory.GetDirectories(arms).Order(StringComparer.Ordinal))
        {
            string key = Path.GetFileName(folder);
            string path = Path.Combine(folder, ResultsStore.DefaultFileName);
            if (known.Contains(key) || !File.Exists(path)) continue;
            using var store = ResultsStore.Open(path);
            if (store.GetExperiment() is { } e && e.ConfigHash != hash) yield return key;
        }
    }

    /// <summary>Copies one run's rows; the model path becomes relative to the experiment folder, so a merged database
    /// does not depend on where the folder was when the run trained (nor on which node ran it).</summary>
    private static void CopyRun(ResultsStore unit, ResultsStore merged, ArmRunState run, string output)
    {
        var arm = unit.GetArm(run.Arm, run.Seed)!;
        string? checkpoint = arm.CheckpointPath is { } c ? Path.GetRelativePath(Path.GetFullPath(output), Path.GetFullPath(c)) : null;
        merged.UpsertArm(arm with { CheckpointPath = checkpoint });
        foreach (var score in unit.GetTaskScores().Where(s => s.Arm == run.Arm && s.Seed == run.Seed))
            merged.UpsertTaskScore(score);
        // Item scores live beside the run's MTEB results ({task}.items.tsv); a score without them (a run from before
        // they were written) merges without item rows, and the report says which datasets lack them.
        string evaluation = ExperimentRunner.EvaluationFolder(output, run.Key);
        foreach (var score in unit.GetTaskScores().Where(s => s.Arm == run.Arm && s.Seed == run.Seed))
        {
            string file = Path.Combine(evaluation, ItemScoresFile.FileName(score.Task));
            if (!File.Exists(file)) continue;
            var (task, split, items) = ItemScoresFile.Load(file);
            if (task != score.Task || split != score.Split)
                throw new InvalidDataException($"{file}: holds task '{task}' split '{split}', but the run's score is for task '{score.Task}' split '{score.Split}'");
            merged.UpsertItemScores(new ItemScoreRecord(run.Arm, score.Task, split, items, run.Seed));
        }
        foreach (var curve in unit.GetLossCurves().Where(c => c.Arm == run.Arm && c.Seed == run.Seed))
            merged.RecordTrainingLoss(curve.Arm, curve.Points, curve.Seed);
    }
}
