using System.Globalization;
using System.Text;

namespace LlmEmbed.Evaluation.Results;

/// <summary>Tables of main scores (×100) per task, with per-category averages and the average over all tasks.</summary>
public static class ResultsSummary
{
    /// <summary>Per category: the mean main score of its tasks (categories in first-seen order).</summary>
    public static IReadOnlyList<(string Category, double Average, int Tasks)> CategoryAverages(IReadOnlyList<TaskResult> results) =>
        results.GroupBy(r => string.IsNullOrEmpty(r.Category) ? "Other" : r.Category)
            .Select(g => (g.Key, g.Average(r => r.MainScore), g.Count())).ToArray();

    /// <summary>A fixed-width console table.</summary>
    public static string ToText(IReadOnlyList<TaskResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = Rows(results);
        int w0 = Math.Max(4, rows.Max(r => r.Name.Length)), w1 = Math.Max(8, rows.Max(r => r.Category.Length));
        var sb = new StringBuilder();
        sb.AppendLine($"{"Task".PadRight(w0)}  {"Category".PadRight(w1)}  {"Metric",-16}  {"Score",7}");
        sb.AppendLine(new string('-', w0 + w1 + 16 + 7 + 6));
        foreach (var r in rows)
        {
            if (r.Separator) sb.AppendLine(new string('-', w0 + w1 + 16 + 7 + 6));
            sb.AppendLine($"{r.Name.PadRight(w0)}  {r.Category.PadRight(w1)}  {r.Metric,-16}  {Format(r.Score),7}");
        }
        return sb.ToString();
    }

    /// <summary>A Markdown table.</summary>
    public static string ToMarkdown(IReadOnlyList<TaskResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sb = new StringBuilder();
        sb.AppendLine("| Task | Category | Metric | Score |");
        sb.AppendLine("|---|---|---|---:|");
        foreach (var r in Rows(results))
        {
            string name = r.Separator || r.Metric == "" ? $"**{r.Name}**" : r.Name;
            sb.AppendLine($"| {name} | {r.Category} | {r.Metric} | {Format(r.Score)} |");
        }
        return sb.ToString();
    }

    private static List<(string Name, string Category, string Metric, double Score, bool Separator)> Rows(IReadOnlyList<TaskResult> results)
    {
        if (results.Count == 0) throw new ArgumentException("no results to summarise", nameof(results));
        var rows = new List<(string, string, string, double, bool)>();
        foreach (var r in results)
            rows.Add((r.TaskName, r.Category, MainMetricName(r), r.MainScore, false));
        bool first = true;
        foreach (var (category, average, count) in CategoryAverages(results))
        {
            rows.Add(($"Average ({count} task{(count == 1 ? "" : "s")})", category, "", average, first));
            first = false;
        }
        rows.Add(($"Average (all {results.Count})", "All", "", results.Average(r => r.MainScore), false));
        return rows;
    }

    private static string MainMetricName(TaskResult r)
    {
        if (!string.IsNullOrEmpty(r.MainScoreName)) return r.MainScoreName;
        var entry = r.Scores.Values.First()[0];
        // Files from elsewhere lack the name: the metric whose value equals the main score names it (e.g. ndcg_at_10).
        foreach (var (name, value) in entry.Metrics.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (value.Equals(entry.MainScore)) return name;
        return "main_score";
    }

    private static string Format(double score) => double.IsNaN(score) ? "NaN" : (100 * score).ToString("F2", CultureInfo.InvariantCulture);
}
