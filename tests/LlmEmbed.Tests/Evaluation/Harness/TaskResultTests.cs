using System.Text.Json;
using LlmEmbed.Evaluation.Results;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class TaskResultTests
{
    private static TaskResult Sample(string name, string category, double main) => new(
        name, "sha256:abc",
        new Dictionary<string, IReadOnlyList<SplitScores>>
        {
            ["test"] = [new SplitScores(main, new Dictionary<string, double> { ["cosine_spearman"] = main, ["odd"] = double.NaN })],
        },
        1.5, "model", "sts", category, 10, ["w1"]);

    [Fact]
    public void SavesInMtebLayoutAndRoundTrips()
    {
        using var temp = TestPaths.NewTempDir();
        var result = Sample("STS12", "STS", 0.75);
        string path = result.Save(temp.Path);

        Assert.Equal(Path.Combine(temp.Path, "STS12.json"), path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal("STS12", root.GetProperty("task_name").GetString());
        Assert.Equal("sha256:abc", root.GetProperty("dataset_revision").GetString());
        Assert.True(root.TryGetProperty("mteb_version", out _));
        Assert.Equal(1.5, root.GetProperty("evaluation_time").GetDouble());
        var entry = root.GetProperty("scores").GetProperty("test")[0];
        Assert.Equal(0.75, entry.GetProperty("main_score").GetDouble());
        Assert.Equal("default", entry.GetProperty("hf_subset").GetString());
        Assert.Equal("eng-Latn", entry.GetProperty("languages")[0].GetString());
        Assert.Equal("NaN", entry.GetProperty("odd").GetString());

        var loaded = TaskResult.Load(path);
        Assert.Equal(result.ToJson(), loaded.ToJson());
        Assert.True(double.IsNaN(loaded.Scores["test"][0].Metrics["odd"]));
        Assert.Equal(["w1"], loaded.Warnings);
    }

    [Fact]
    public void SummaryAveragesPerCategory()
    {
        var results = new[] { Sample("A", "STS", 0.5), Sample("B", "STS", 0.7), Sample("C", "Retrieval", 0.2) };
        var averages = ResultsSummary.CategoryAverages(results);
        Assert.Equal(0.6, averages.Single(a => a.Category == "STS").Average, 12);
        Assert.Equal(0.2, averages.Single(a => a.Category == "Retrieval").Average, 12);
        string text = ResultsSummary.ToText(results);
        Assert.Contains("60.00", text);
        Assert.Contains("46.67", text);
        string markdown = ResultsSummary.ToMarkdown(results);
        Assert.Contains("| A | STS | cosine_spearman | 50.00 |", markdown);
        Assert.Contains("| **Average (all 3)** | All |  | 46.67 |", markdown);
    }

    [Fact]
    public void LoadOfBrokenFileNamesThePath()
    {
        using var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("X.json"), "{\"scores\": 3}");
        var error = Assert.Throws<FormatException>(() => TaskResult.Load(temp.File("X.json")));
        Assert.Contains("X.json", error.Message);
    }
}
