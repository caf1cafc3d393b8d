using System.Globalization;
using System.Text;
using LlmEmbed.Evaluation.Lexical;

namespace LlmEmbed.Experiments;

/// <summary>
/// Writes the comparison report: <c>report.md</c>, a self-contained <c>report.html</c> and the plots as PNG files
/// (<c>category_means.png</c>, <c>score_distribution.png</c>, <c>loss_curves.png</c> when loss was recorded).
/// </summary>
public static class ExperimentReport
{
    public const string MarkdownFileName = "report.md";
    public const string HtmlFileName = "report.html";
    public const string CategoryMeansPlot = "category_means.png";
    public const string ScoreDistributionPlot = "score_distribution.png";
    public const string LossCurvesPlot = "loss_curves.png";

    /// <summary>Reads everything from <paramref name="store"/> and writes the report into <paramref name="outputFolder"/>.</summary>
    public static ExperimentReportFiles Write(string outputFolder, ResultsStore store, string title = "LlmEmbed design comparison", double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Write(outputFolder, store.GetArmTaskScores(), store.GetLossCurves(), title, alpha, store.GetExperiment(), store.GetItemScores());
    }

    public static ExperimentReportFiles Write(
        string outputFolder,
        IReadOnlyList<ArmTaskScore> scores,
        IReadOnlyList<ArmLossCurve> lossCurves,
        string title = "LlmEmbed design comparison",
        double alpha = 0.05,
        ExperimentRecord? experiment = null,
        IReadOnlyList<ItemScoreRecord>? itemScores = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(lossCurves);
        if (scores.Count == 0) throw new ArgumentException("No task scores to report.", nameof(scores));
        Directory.CreateDirectory(outputFolder);

        // The tests pair arms over datasets, each (arm, dataset) represented by its mean over seeds; the per-seed
        // scores feed the dataset table's spread and the distribution plot.
        var comparison = DesignComparison.Analyze(SeedMeans.Of(scores), alpha);
        var doc = new ReportDocument(title);

        if (experiment != null)
        {
            doc.AddParagraph($"Experiment config SHA-256 {experiment.ConfigHash}, recorded {experiment.CreatedUtc:u}. Software: {experiment.SoftwareVersions}");
        }
        doc.AddParagraph($"{comparison.Arms.Count} arms, {scores.Select(s => s.Task).Distinct().Count()} datasets, " +
                         $"{comparison.Categories.Count} categories. Pairwise tests: two-sided Wilcoxon signed-rank " +
                         "(SciPy 1.10.1 semantics, zero_method wilcox, method auto) paired over datasets (seed means), " +
                         $"Holm-adjusted within each category; significant means adjusted p <= {alpha.ToString("0.###", CultureInfo.InvariantCulture)}.");

        doc.AddHeading(1, "Which design wins where");
        doc.AddBullets(comparison.Summary());
        if (comparison.References.Count > 0)
            doc.AddParagraph("Reference arms (marked \"(reference)\" in tables and plots) are non-trainable lexical baselines " +
                             "evaluated by the same evaluators on the same splits; they are the floor a design should beat and are " +
                             "not part of any test: " + string.Join("; ", comparison.References.Select(r =>
                                 $"{r}: {LexicalReferences.Describe(LexicalReferences.Parse(r))}")) + ".");

        AddPlannedFamily(doc, comparison);
        AddItemLevelTests(doc, comparison, itemScores ?? []);
        AddCategoryTable(doc, comparison);
        AddDatasetTable(doc, comparison, scores);
        AddPairwiseSections(doc, comparison);

        // Plots.
        var plots = new List<string>();
        doc.AddHeading(1, "Plots");
        string categoryPng = Path.Combine(outputFolder, CategoryMeansPlot);
        ReportPlots.CategoryMeans(comparison, categoryPng);
        plots.Add(categoryPng);
        doc.AddImage(CategoryMeansPlot, "Mean main score by category and arm", File.ReadAllBytes(categoryPng));

        string distributionPng = Path.Combine(outputFolder, ScoreDistributionPlot);
        ReportPlots.ScoreDistribution(scores, [.. comparison.Arms, .. comparison.References], distributionPng);
        plots.Add(distributionPng);
        doc.AddImage(ScoreDistributionPlot, "Distribution of main scores per arm", File.ReadAllBytes(distributionPng));

        if (lossCurves.Any(c => c.Points.Count > 0))
        {
            string lossPng = Path.Combine(outputFolder, LossCurvesPlot);
            ReportPlots.LossCurves(lossCurves, comparison.Arms, lossPng);
            plots.Add(lossPng);
            doc.AddImage(LossCurvesPlot, "Training loss curves", File.ReadAllBytes(lossPng));
        }
        else
        {
            doc.AddParagraph("No training loss was recorded, so there is no loss-curve plot.");
        }

        string md = Path.Combine(outputFolder, MarkdownFileName);
        string html = Path.Combine(outputFolder, HtmlFileName);
        WriteAtomically(md, doc.ToMarkdown());
        WriteAtomically(html, doc.ToHtml());
        return new ExperimentReportFiles(md, html, plots, comparison);
    }

    private static void AddCategoryTable(ReportDocument doc, DesignComparisonResult comparison)
    {
        doc.AddHeading(1, "Scores by category");
        var header = new List<string> { "category", "datasets" };
        header.AddRange(comparison.Arms);
        header.AddRange(comparison.References.Select(ReferenceLabel));
        header.Add("best");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var c in comparison.Categories)
        {
            var row = new List<string> { c.Category, c.Tasks.Count.ToString(CultureInfo.InvariantCulture) };
            row.AddRange(comparison.Arms.Select(a => c.MeanScore.TryGetValue(a, out double m) ? Fmt(m) : "—"));
            row.AddRange(comparison.References.Select(r => c.ReferenceMeans.TryGetValue(r, out double m) ? Fmt(m) : "—"));
            row.Add(c.BestArm);
            rows.Add(row);
        }
        doc.AddTable("Mean main score per category (datasets weighted equally, seeds averaged)", header, rows);
    }

    // The study's hypotheses, Holm within that family per category, and the power each category's n allows.
    private static void AddPlannedFamily(ReportDocument doc, DesignComparisonResult comparison)
    {
        doc.AddHeading(1, "The study's hypotheses (planned family)");
        doc.AddParagraph("Per category, the study's own comparisons are one family with Holm within it; the all-pairs tables further " +
                         "down are exploratory. The smallest two-sided p an exact paired test over n datasets can reach is 2/2^n " +
                         "(all differences of one sign), before any correction.");
        var header = new[] { "category", "datasets", "smallest reachable p", "hypothesis", "arm A", "arm B", "mean Δ (A − B)", "p", "p (Holm, planned)", "significant" };
        var rows = new List<IReadOnlyList<string>>();
        foreach (var c in comparison.Categories)
        {
            string reachable = DesignComparisonResult.FormatP(PlannedFamily.SmallestReachableP(c.Tasks.Count));
            var planned = PlannedFamily.Analyze(c, comparison.Alpha);
            if (planned.Count == 0)
                rows.Add([c.Category, c.Tasks.Count.ToString(CultureInfo.InvariantCulture), reachable, "(no planned pair among these arms)", "", "", "", "", "", ""]);
            foreach (var (h, p) in planned)
                rows.Add([c.Category, c.Tasks.Count.ToString(CultureInfo.InvariantCulture), reachable, h.Question, p.ArmA, p.ArmB, Fmt(p.MeanDifference),
                    p.PValue is { } raw ? DesignComparisonResult.FormatP(raw) : "n/a",
                    p.AdjustedPValue is { } adj ? DesignComparisonResult.FormatP(adj) : "n/a",
                    p.Wilcoxon is null ? "n/a" : p.Significant ? "yes" : "no"]);
        }
        doc.AddTable("Planned comparisons (Wilcoxon over datasets, Holm within the planned family of each category)", header, rows);
    }

    // Beside the across-dataset Wilcoxon: per dataset, a paired bootstrap over its test items, for the planned pairs only.
    private static void AddItemLevelTests(ReportDocument doc, DesignComparisonResult comparison, IReadOnlyList<ItemScoreRecord> itemScores)
    {
        var tests = ItemLevelComparison.Analyze(comparison, itemScores);
        doc.AddHeading(1, "Per-dataset item-level tests (planned hypotheses)");
        string alpha = comparison.Alpha.ToString("0.###", CultureInfo.InvariantCulture);
        doc.AddParagraph("Each row tests one dataset on its own: a paired bootstrap over the dataset's test items " +
                         $"({ItemLevelComparison.DefaultResamples} resamples; STS pairs, retrieval and reranking queries, classification " +
                         "and clustering texts, pair-classification pairs) of the main-score difference A − B, recomputing the main score " +
                         "(Spearman, nDCG@10, MAP, accuracy, V-measure, max AP) on every resample. With several seeds each arm is its mean " +
                         "over its seeds, and every resample draws the same items for all seeds, so Δ is the seed-mean difference the " +
                         "Wilcoxon tables use; the interval covers the evaluation items, not training's seed-to-seed spread. " +
                         $"Two-sided percentile-bootstrap p (resolution {DesignComparisonResult.FormatP(2.0 / ItemLevelComparison.DefaultResamples)}); " +
                         $"* marks significant at Holm-adjusted p <= {alpha} within each hypothesis's datasets. " +
                         "These complement, and do not replace, the across-dataset tests above.");
        if (tests.Count == 0)
        {
            doc.AddParagraph("No planned hypothesis has both of its designs in this experiment, so there are no item-level tests.");
            return;
        }
        var header = new[] { "category", "dataset", "items", "seeds (A/B)", "Δ main score (A − B)", "95% bootstrap CI", "p (two-sided)", "p (Holm, this hypothesis)", "significant" };
        foreach (var group in tests.GroupBy(t => t.Hypothesis))
        {
            var h = group.Key;
            var rows = group.Select(t => (IReadOnlyList<string>)(t.Bootstrap is { } b
                ? [t.Category, t.Task, t.Items.ToString(CultureInfo.InvariantCulture), $"{t.SeedsA}/{t.SeedsB}", Fmt(b.Difference),
                    $"[{Fmt(b.Lower)}, {Fmt(b.Upper)}]", DesignComparisonResult.FormatP(b.PValue),
                    DesignComparisonResult.FormatP(t.AdjustedPValue!.Value), t.Significant ? "yes *" : "no"]
                : [t.Category, t.Task, t.Items == 0 ? "—" : t.Items.ToString(CultureInfo.InvariantCulture), $"{t.SeedsA}/{t.SeedsB}", "n/a", "n/a", "n/a", "n/a",
                    $"n/a ({t.NotApplicableReason})"])).ToList();
            doc.AddTable($"Item-level tests per dataset: {h.ArmA} vs {h.ArmB} ({h.Question})", header, rows);
        }
    }

    private static void AddDatasetTable(ReportDocument doc, DesignComparisonResult comparison, IReadOnlyList<ArmTaskScore> scores)
    {
        doc.AddHeading(1, "Scores by dataset");
        bool seeded = scores.Select(s => s.Seed).Distinct().Count() > 1;
        var header = new List<string> { "category", "dataset" };
        header.AddRange(comparison.Arms);
        header.AddRange(comparison.References.Select(ReferenceLabel));
        var rows = new List<IReadOnlyList<string>>();
        var lookup = scores.GroupBy(s => (s.Arm, s.Task)).ToDictionary(g => g.Key, g => g.Select(s => s.MainScore).ToList());
        foreach (var c in comparison.Categories)
        {
            foreach (string task in c.Tasks)
            {
                var row = new List<string> { c.Category, task };
                foreach (string arm in comparison.Arms.Concat(comparison.References))
                {
                    if (!lookup.TryGetValue((arm, task), out var values)) { row.Add("—"); continue; }
                    string cell = Fmt(values.Average());
                    if (values.Count > 1) cell += $" ± {Fmt(StandardDeviation(values))} (n={values.Count})";
                    row.Add(cell);
                }
                rows.Add(row);
            }
        }
        doc.AddTable(seeded ? "Main score per dataset (mean ± sd over seeds)" : "Main score per dataset", header, rows);
    }

    private static void AddPairwiseSections(ReportDocument doc, DesignComparisonResult comparison)
    {
        doc.AddHeading(1, "Pairwise tests per category");
        doc.AddParagraph("Matrix cells give the p-value of row arm vs column arm; * marks p <= alpha " +
                         "(raw matrix: unadjusted p; adjusted matrix: Holm). n/a: fewer than 2 paired datasets with a non-zero difference.");
        foreach (var c in comparison.Categories)
        {
            doc.AddHeading(2, c.Category);
            doc.AddTable($"{c.Category}: raw Wilcoxon p-values", MatrixHeader(c), Matrix(c, p => p.PValue, comparison.Alpha));
            doc.AddTable($"{c.Category}: Holm-adjusted p-values", MatrixHeader(c), Matrix(c, p => p.AdjustedPValue, comparison.Alpha));
            var header = new[] { "arm A", "arm B", "pairs", "mean Δ (A − B)", "rank-biserial", "W", "method", "p", "p (Holm)", "significant" };
            var rows = c.Pairs.Select(p => (IReadOnlyList<string>)new[]
            {
                p.ArmA, p.ArmB, p.PairedObservations.ToString(CultureInfo.InvariantCulture), Fmt(p.MeanDifference), Fmt(p.RankBiserial),
                p.Wilcoxon is { } w ? w.Statistic.ToString("0.###", CultureInfo.InvariantCulture) : "n/a",
                p.Wilcoxon is { } w2 ? w2.Method.ToString().ToLowerInvariant() : "n/a",
                p.PValue is { } raw ? DesignComparisonResult.FormatP(raw) : "n/a",
                p.AdjustedPValue is { } adj ? DesignComparisonResult.FormatP(adj) : "n/a",
                p.Wilcoxon is null ? $"n/a ({p.NotApplicableReason})" : p.Significant ? "yes" : "no",
            }).ToList();
            doc.AddTable($"{c.Category}: pairwise details", header, rows);
        }
    }

    private static List<string> MatrixHeader(CategoryComparison c) => ["arm", .. c.Arms];

    private static List<IReadOnlyList<string>> Matrix(CategoryComparison c, Func<PairwiseComparison, double?> value, double alpha)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (string rowArm in c.Arms)
        {
            var row = new List<string> { rowArm };
            foreach (string colArm in c.Arms)
            {
                if (rowArm == colArm) { row.Add("—"); continue; }
                var pair = c.Pair(rowArm, colArm);
                double? p = pair is null ? null : value(pair);
                row.Add(p is { } v ? DesignComparisonResult.FormatP(v) + (v <= alpha ? "*" : "") : "n/a");
            }
            rows.Add(row);
        }
        return rows;
    }

    private static double StandardDeviation(List<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>How a reference arm is labelled in tables and plots.</summary>
    public static string ReferenceLabel(string reference) => reference + " (reference)";

    private static string Fmt(double v) => DesignComparisonResult.Format(v);

    private static void WriteAtomically(string path, string text) => AtomicFile.WriteAllText(path, text);
}
