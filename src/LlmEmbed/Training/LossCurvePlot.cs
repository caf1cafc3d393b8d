namespace LlmEmbed.Training;

/// <summary>Draws loss curves (ScottPlot) from a metrics log into a PNG.</summary>
public static class LossCurvePlot
{
    /// <summary>Plots each named series of <paramref name="log"/> against the step; series with no points are skipped.</summary>
    public static void Save(MetricsLog log, string pngPath, string title, params (string Field, string Label)[] series)
    {
        var plot = new ScottPlot.Plot();
        int drawn = 0;
        foreach (var (field, label) in series)
        {
            var points = log.Series(field);
            if (points.Count == 0) continue;
            var scatter = plot.Add.Scatter(points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray());
            scatter.LegendText = label;
            scatter.MarkerSize = points.Count > 50 ? 0 : 4;
            drawn++;
        }
        if (drawn == 0) return;
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend();
        string tmp = pngPath + ".tmp.png";
        plot.SavePng(tmp, 900, 540);
        File.Move(tmp, pngPath, overwrite: true);
    }
}
