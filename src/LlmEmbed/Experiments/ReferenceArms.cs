using System.Text.Json;
using LlmEmbed.Evaluation.Lexical;

namespace LlmEmbed.Experiments;

/// <summary>
/// The lexical floor of an experiment: each reference (TF-IDF word / character, BM25) on every task it applies to.
/// They train nothing and depend only on the data, so they are evaluated once per experiment folder, by the merge
/// (the one writer of folder-level files), into <c>references/results.sqlite</c>, and copied into the merged store
/// like an arm's scores (seed-less: they are deterministic). The analysis keeps them out of the designs' tests by name.
/// </summary>
public static class ReferenceArms
{
    public const string FolderName = "references";

    /// <summary>Evaluates the references not yet in the folder's reference store; returns that store's path.</summary>
    public static string EvaluateMissing(string output, ExperimentConfig config, Action<string> log, CancellationToken cancellation = default)
    {
        string folder = Path.Combine(output, FolderName);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, ResultsStore.DefaultFileName);
        if (config.References.Count == 0) return path;
        var tasks = ExperimentRunner.SelectTasks(config);
        string dataRoot = config.Evaluation.Data is { Length: > 0 } data ? Path.GetFullPath(data)
            : throw new ArgumentException("evaluation.data: the data folder is not set (llm-embed experiment fills in its default data folder)");
        using var store = ResultsStore.Open(path);
        foreach (string name in config.References)
        {
            var evaluator = new LexicalReferenceEvaluator(LexicalReferences.Parse(name), dataRoot, config.Evaluation.MaxSamplesPerTask);
            // A score without item scores (stored before they were kept) is evaluated again to get them.
            foreach (var task in tasks.Where(t => evaluator.AppliesTo(t) && !(store.HasScore(name, t.Name) && store.HasItemScores(name, t.Name))))
            {
                cancellation.ThrowIfCancellationRequested();
                var result = evaluator.EvaluateTask(task, cancellation);
                var (split, scores) = result.Scores.First();
                if (scores[0].Items is { } items) store.UpsertItemScores(new ItemScoreRecord(name, task.Name, split, items));
                store.UpsertTaskScore(new TaskScoreRecord(name, task.Name, ExperimentRunner.Category(task.Type), split, result.MainScore,
                    JsonSerializer.Serialize(scores[0].Metrics), result.EvaluationTimeSeconds));
                log($"[reference {name}] {task.Name}: {result.MainScore:F4} ({task.MainScore}, {result.EvaluationTimeSeconds:F1} s)");
            }
        }
        return path;
    }

    /// <summary>Copies the scores of the configured references (for the experiment's tasks) into <paramref name="merged"/>.</summary>
    public static void CopyInto(string referenceStore, ExperimentConfig config, ResultsStore merged)
    {
        if (config.References.Count == 0 || !File.Exists(referenceStore)) return;
        var taskNames = ExperimentRunner.SelectTasks(config).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        using var store = ResultsStore.Open(referenceStore);
        foreach (var score in store.GetTaskScores().Where(s => config.References.Contains(s.Arm) && taskNames.Contains(s.Task)))
            merged.UpsertTaskScore(score);
        foreach (var items in store.GetItemScores().Where(s => config.References.Contains(s.Arm) && taskNames.Contains(s.Task)))
            merged.UpsertItemScores(items);
    }
}
