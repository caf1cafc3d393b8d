using LlmEmbed.Evaluation.Results;
using LlmEmbed.Statistics;

namespace LlmEmbed.Experiments;

/// <summary>
/// Per-dataset paired tests over test items for the study's planned hypotheses (<see cref="PlannedFamily"/>): with
/// few datasets per category the across-dataset Wilcoxon cannot reach small p-values, while a single dataset has
/// hundreds of items. For every planned pair of designs present and every dataset both were scored on with item
/// scores, <see cref="ItemScores.Compare(IReadOnlyList{ItemScores}, IReadOnlyList{ItemScores}, int, int)"/> bootstraps
/// the difference of the seed-mean main scores over resampled items; Holm runs over the datasets of each hypothesis.
/// </summary>
public static class ItemLevelComparison
{
    public const int DefaultResamples = 2000;

    /// <param name="comparison">The across-dataset analysis (its designs and categories say which pairs and datasets exist).</param>
    /// <param name="items">The stored item scores (any arms, seeds and tasks; references are ignored).</param>
    public static IReadOnlyList<ItemLevelTest> Analyze(DesignComparisonResult comparison, IReadOnlyList<ItemScoreRecord> items,
        int resamples = DefaultResamples, int seed = 12345)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(items);
        var byArmTask = items.GroupBy(i => (i.Arm, i.Task)).ToDictionary(g => g.Key, g => g.OrderBy(i => i.Seed).ToList());
        var work = new List<(PlannedHypothesis Hypothesis, string Category, string Task)>();
        foreach (var h in PlannedFamily.StudyHypotheses.Where(h => comparison.Arms.Contains(h.ArmA) && comparison.Arms.Contains(h.ArmB)))
            foreach (var c in comparison.Categories.Where(c => c.Arms.Contains(h.ArmA) && c.Arms.Contains(h.ArmB)))
                foreach (string task in c.Tasks)
                    work.Add((h, c.Category, task));

        // Independent bootstraps (each with its own fixed seed), so they run in parallel with the same results.
        var tests = new ItemLevelTest[work.Count];
        Parallel.For(0, work.Count, k =>
        {
            var (h, category, task) = work[k];
            var a = byArmTask.GetValueOrDefault((h.ArmA, task)) ?? [];
            var b = byArmTask.GetValueOrDefault((h.ArmB, task)) ?? [];
            if (a.Count == 0 || b.Count == 0)
            {
                string missing = string.Join(" and ", new[] { (a, h.ArmA), (b, h.ArmB) }.Where(x => x.Item1.Count == 0).Select(x => x.Item2));
                tests[k] = new ItemLevelTest(h, category, task, a.Count, b.Count, 0, null, NotApplicableReason: $"no item scores for {missing}");
                return;
            }
            try
            {
                var result = ItemScores.Compare(a.Select(x => x.Items).ToList(), b.Select(x => x.Items).ToList(), resamples, seed);
                tests[k] = new ItemLevelTest(h, category, task, a.Count, b.Count, a[0].Items.Count, result);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                tests[k] = new ItemLevelTest(h, category, task, a.Count, b.Count, a[0].Items.Count, null, NotApplicableReason: e.Message);
            }
        });

        // Holm within each hypothesis, over its tested datasets.
        var adjustedTests = tests.ToList();
        foreach (var group in adjustedTests.Select((t, i) => (t, i)).Where(x => x.t.Bootstrap != null).GroupBy(x => x.t.Hypothesis).ToList())
        {
            var members = group.ToList();
            var adjusted = PValueAdjustment.Holm(members.Select(m => m.t.Bootstrap!.PValue).ToArray());
            for (int j = 0; j < members.Count; j++)
                adjustedTests[members[j].i] = members[j].t with { AdjustedPValue = adjusted[j], Significant = adjusted[j] <= comparison.Alpha };
        }
        return adjustedTests;
    }
}
