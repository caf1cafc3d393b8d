using LlmEmbed.Evaluation.Results;
using LlmEmbed.Evaluation.Tasks;

namespace LlmEmbed.Experiments;

/// <summary>Reads main scores from result folders: experiment outputs (results.sqlite) or evaluate outputs (MTEB JSON files).</summary>
public static class ResultFolders
{
    public static IReadOnlyList<ArmTaskScore> ReadScores(IReadOnlyList<string> folders)
    {
        var scores = new List<ArmTaskScore>();
        var labels = new HashSet<string>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"result folder not found: {folder}");
            string label = Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar));
            if (!labels.Add(label)) label = Path.GetFullPath(folder);
            if (File.Exists(Path.Combine(folder, ResultsStore.DefaultFileName)))
            {
                using var store = ResultsStore.OpenFolder(folder);
                scores.AddRange(store.GetArmTaskScores().Select(s => s with { Arm = $"{label}/{s.Arm}" }));
                continue;
            }
            var files = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
            int before = scores.Count;
            foreach (var file in files)
            {
                TaskResult result;
                try { result = TaskResult.Load(file); }
                catch (FormatException) { continue; } // not a task result (e.g. a cache index): TaskResult.Load reports every such file as FormatException
                var type = TaskTypeNames.Parse(result.TaskType);
                scores.Add(new ArmTaskScore(label, result.TaskName, ExperimentRunner.Category(type), result.MainScore, null));
            }
            if (scores.Count == before) throw new InvalidDataException($"{folder}: neither {ResultsStore.DefaultFileName} nor MTEB task result files (*.json) found");
        }
        return scores;
    }
}
