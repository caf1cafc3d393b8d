namespace LlmEmbed.Experiments;

/// <summary>The report's ScottPlot figures, each saved as a PNG.</summary>
internal static class ReportPlots
{
    private const int Width = 1000;
    private const int Height = 560;

    /// <summary>Grouped bars: one group per category, one bar per arm (mean main score).</summary>
    public static void CategoryMeans(DesignComparisonResult comparison, string pngPath)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        // Designs in colour, then the lexical references (the floor) in shades of grey.
        var arms = comparison.Arms.Concat(comparison.References).ToList();
        var references = comparison.References.ToHashSet();
        var greys = new[] { ScottPlot.Color.FromHex("#9e9e9e"), ScottPlot.Color.FromHex("#616161"), ScottPlot.Color.FromHex("#c8c8c8") };
        ScottPlot.Color ColorOf(int a) => a < comparison.Arms.Count ? palette.GetColor(a) : greys[(a - comparison.Arms.Count) % greys.Length];
        double MeanOf(CategoryComparison category, string arm, out bool found)
        {
            found = references.Contains(arm) ? category.ReferenceMeans.TryGetValue(arm, out double r) : category.MeanScore.TryGetValue(arm, out r);
            return r;
        }
        var bars = new List<ScottPlot.Bar>();
        var tickPositions = new List<double>();
        var tickLabels = new List<string>();
        for (int c = 0; c < comparison.Categories.Count; c++)
        {
            var category = comparison.Categories[c];
            double groupStart = c * (arms.Count + 1);
            for (int a = 0; a < arms.Count; a++)
            {
                double mean = MeanOf(category, arms[a], out bool found);
                if (!found) continue;
                bars.Add(new ScottPlot.Bar { Position = groupStart + a, Value = mean, FillColor = ColorOf(a) });
            }
            tickPositions.Add(groupStart + (arms.Count - 1) / 2.0);
            tickLabels.Add(category.Category);
        }
        if (bars.Count > 0) plot.Add.Bars(bars);
        for (int a = 0; a < arms.Count; a++)
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem
            {
                LabelText = references.Contains(arms[a]) ? ExperimentReport.ReferenceLabel(arms[a]) : arms[a],
                FillColor = ColorOf(a),
            });
        // Outside the data area so the legend never hides a bar.
        if (arms.Count > 0) plot.ShowLegend(ScottPlot.Edge.Right);
        plot.Axes.Margins(bottom: 0);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(tickPositions.ToArray(), tickLabels.ToArray());
        plot.Title("Mean main score by category and arm");
        plot.YLabel("mean main score");
        Save(plot, pngPath);
    }

    /// <summary>Box plot per arm of all its main scores, with the individual scores as points.</summary>
    public static void ScoreDistribution(IReadOnlyList<ArmTaskScore> scores, IReadOnlyList<string> arms, string pngPath)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int a = 0; a < arms.Count; a++)
        {
            var values = scores.Where(s => s.Arm == arms[a]).Select(s => s.MainScore).Order().ToArray();
            if (values.Length == 0) continue;
            var color = palette.GetColor(a);
            var box = new ScottPlot.Box
            {
                Position = a,
                BoxMin = Statistics.Percentile.Linear(values, 25),
                BoxMax = Statistics.Percentile.Linear(values, 75),
                BoxMiddle = Statistics.Percentile.Linear(values, 50),
                WhiskerMin = values[0],
                WhiskerMax = values[^1],
            };
            var boxPlot = plot.Add.Box(box);
            boxPlot.FillColor = color.WithAlpha(0.35);
            // Deterministic spread of points across the box width so equal scores stay visible.
            var xs = values.Select((_, i) => a - 0.25 + 0.5 * ((i * 0.618034) % 1.0)).ToArray();
            plot.Add.Markers(xs, values, ScottPlot.MarkerShape.FilledCircle, 5, color);
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, arms.Count).Select(i => (double)i).ToArray(), arms.ToArray());
        plot.Title("Distribution of main scores per arm (all datasets and seeds)");
        plot.YLabel("main score");
        Save(plot, pngPath);
    }

    /// <summary>Training loss against step, one line per arm.</summary>
    public static void LossCurves(IReadOnlyList<ArmLossCurve> curves, IReadOnlyList<string> arms, string pngPath)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var curve in curves)
        {
            if (curve.Points.Count == 0) continue;
            int index = arms.ToList().IndexOf(curve.Arm);
            var color = palette.GetColor(index < 0 ? arms.Count + curves.ToList().IndexOf(curve) : index);
            var line = plot.Add.Scatter(curve.Points.Select(p => (double)p.Step).ToArray(), curve.Points.Select(p => p.Loss).ToArray(), color);
            bool severalSeeds = curves.Count(c => c.Arm == curve.Arm) > 1;
            line.LegendText = severalSeeds ? $"{curve.Arm} (seed {curve.Seed})" : curve.Arm;
            line.MarkerSize = curve.Points.Count > 50 ? 0 : 4;
        }
        plot.Title("Training loss");
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend();
        Save(plot, pngPath);
    }

    private static void Save(ScottPlot.Plot plot, string pngPath)
    {
        string tmp = pngPath + ".tmp.png";
        plot.SavePng(tmp, Width, Height);
        File.Move(tmp, pngPath, overwrite: true);
    }
}
