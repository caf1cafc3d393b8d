namespace LlmEmbed.Experiments;

/// <summary>What <see cref="ExperimentReport.Write(string, IReadOnlyList{ArmTaskScore}, IReadOnlyList{ArmLossCurve}, string, double, ExperimentRecord?)"/> produced.</summary>
/// <param name="MarkdownPath">report.md.</param>
/// <param name="HtmlPath">report.html (self-contained: inline CSS, plots as data URIs).</param>
/// <param name="PlotPaths">The PNG files written beside the report.</param>
/// <param name="Comparison">The analysis the report shows.</param>
public sealed record ExperimentReportFiles(string MarkdownPath, string HtmlPath, IReadOnlyList<string> PlotPaths, DesignComparisonResult Comparison);
