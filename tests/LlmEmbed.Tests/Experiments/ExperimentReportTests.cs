using System.Text.RegularExpressions;
using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Experiments;

public class ExperimentReportTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static void AssertPng(byte[] bytes, string what)
    {
        Assert.True(bytes.Length > 1000, $"{what}: only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        // IHDR holds a non-zero width and height (big-endian at offsets 16 and 20).
        int width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
        int height = (bytes[20] << 24) | (bytes[21] << 16) | (bytes[22] << 8) | bytes[23];
        Assert.True(width > 0 && height > 0, $"{what}: {width}x{height}");
    }

    [Fact]
    public void WritesSelfContainedReportFromAResultsStore()
    {
        using var dir = TestPaths.NewTempDir();
        using (var store = ResultsStore.OpenFolder(dir.Path))
        {
            store.RecordExperiment("name: synthetic\n", "test");
            foreach (var s in SyntheticExperiment.Scores())
                store.UpsertTaskScore(new TaskScoreRecord(s.Arm, s.Task, s.Category, "test", s.MainScore, Seed: s.Seed));
            foreach (var c in SyntheticExperiment.LossCurves())
                store.RecordTrainingLoss(c.Arm, c.Points);
        }

        string outDir = Path.Combine(dir.Path, "report");
        ExperimentReportFiles files;
        using (var store = ResultsStore.OpenFolder(dir.Path))
            files = ExperimentReport.Write(outDir, store, "Synthetic comparison");

        // Plots: three PNGs beside the report, all decodable PNG files.
        Assert.Equal(
            new[] { ExperimentReport.CategoryMeansPlot, ExperimentReport.ScoreDistributionPlot, ExperimentReport.LossCurvesPlot },
            files.PlotPaths.Select(Path.GetFileName).ToArray());
        foreach (string png in files.PlotPaths) AssertPng(File.ReadAllBytes(png), png);

        string md = File.ReadAllText(files.MarkdownPath);
        string html = File.ReadAllText(files.HtmlPath);
        Assert.Equal(Path.Combine(outDir, "report.md"), files.MarkdownPath);

        foreach (string section in new[] { "Which design wins where", "Scores by category", "Scores by dataset", "Pairwise tests per category", "Plots" })
        {
            Assert.Contains(section, md);
            Assert.Contains(section, html);
        }
        foreach (string category in TaskCategories.All.Where(c => c != TaskCategories.PairClassification))
        {
            foreach (string caption in new[] { $"{category}: raw Wilcoxon p-values", $"{category}: Holm-adjusted p-values", $"{category}: pairwise details" })
            {
                Assert.Contains(caption, md);
                Assert.Contains(caption, html);
            }
        }
        // Every dataset appears in the per-dataset table.
        foreach (var task in SyntheticExperiment.Scores().Select(s => s.Task).Distinct()) Assert.Contains($"| {task} |", md);
        // Seeded datasets show mean ± sd over seeds.
        Assert.Contains("(n=2)", md);

        // Hand-computed Wilcoxon p-values in the sts matrices: alpha vs beta exact 2/32 raw, Holm 3·2/32.
        string stsRaw = Section(md, "**sts: raw Wilcoxon p-values**", "**sts: Holm-adjusted p-values**");
        Assert.Matches(@"\| alpha \| — \| 0\.0625 \| 0\.0625 \|", stsRaw);
        Assert.Matches(@"\| beta \| 0\.0625 \| — \| 0\.8125 \|", stsRaw);
        string stsHolm = Section(md, "**sts: Holm-adjusted p-values**", "**sts: pairwise details**");
        Assert.Matches(@"\| alpha \| — \| 0\.1875 \| 0\.1875 \|", stsHolm);
        // Retrieval: 2/256, significant (starred).
        string retrievalRaw = Section(md, "**retrieval: raw Wilcoxon p-values**", "**retrieval: Holm-adjusted p-values**");
        Assert.Matches(@"\| alpha \| — \| 0\.0078\* \|", retrievalRaw);
        Assert.Contains("<td>0.0625</td>", html);
        Assert.Contains("n/a", Section(md, "**reranking: raw Wilcoxon p-values**", "**reranking: Holm-adjusted p-values**"));

        // Self-contained HTML: no remote references, every src is an embedded PNG that decodes.
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<script", html);
        var sources = Regex.Matches(html, "src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, sources.Count);
        foreach (string src in sources)
        {
            Assert.StartsWith("data:image/png;base64,", src);
            AssertPng(Convert.FromBase64String(src["data:image/png;base64,".Length..]), "embedded image");
        }
        // The markdown references the PNG files beside it.
        foreach (string png in files.PlotPaths) Assert.Contains($"]({Path.GetFileName(png)})", md);
    }

    [Fact]
    public void ReportWithoutLossCurvesSkipsThatPlotAndRejectsEmptyScores()
    {
        using var dir = TestPaths.NewTempDir();
        var scores = SyntheticExperiment.Scores().Where(s => s.Category == TaskCategories.Retrieval).ToList();
        var files = ExperimentReport.Write(dir.Path, scores, []);
        Assert.Equal(2, files.PlotPaths.Count);
        Assert.False(File.Exists(dir.File(ExperimentReport.LossCurvesPlot)));
        Assert.Contains("No training loss was recorded", File.ReadAllText(files.HtmlPath));
        Assert.Throws<ArgumentException>(() => ExperimentReport.Write(dir.Path, [], []));
    }

    private static string Section(string text, string from, string to)
    {
        int start = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{from}' not found");
        int end = text.IndexOf(to, start, StringComparison.Ordinal);
        Assert.True(end > start, $"'{to}' not found after '{from}'");
        return text[start..end];
    }
}
