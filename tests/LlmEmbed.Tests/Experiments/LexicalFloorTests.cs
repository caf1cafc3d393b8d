using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;
using Xunit;

namespace LlmEmbed.Tests.Experiments;

/// <summary>Lexical reference arms are shown as the floor and kept out of the designs' tests.</summary>
public sealed class LexicalFloorTests
{
    private static List<ArmTaskScore> Scores()
    {
        var scores = new List<ArmTaskScore>();
        string[] tasks = ["STS12", "STS13", "STS14", "STS15", "STS16"];
        for (int t = 0; t < tasks.Length; t++)
        {
            scores.Add(new ArmTaskScore("eos-causal", tasks[t], TaskCategories.Sts, 0.30 + 0.01 * t));
            scores.Add(new ArmTaskScore("latent-bidirectional", tasks[t], TaskCategories.Sts, 0.60 + 0.02 * t));
            scores.Add(new ArmTaskScore("tfidf-word", tasks[t], TaskCategories.Sts, 0.50 + 0.01 * t));
            scores.Add(new ArmTaskScore("tfidf-char", tasks[t], TaskCategories.Sts, 0.55 + 0.01 * t));
        }
        scores.Add(new ArmTaskScore("eos-causal", "SciFact", TaskCategories.Retrieval, 0.2));
        scores.Add(new ArmTaskScore("latent-bidirectional", "SciFact", TaskCategories.Retrieval, 0.3));
        scores.Add(new ArmTaskScore("bm25", "SciFact", TaskCategories.Retrieval, 0.66));
        return scores;
    }

    [Fact]
    public void ReferencesAreTheFloorNotPartOfTheFamily()
    {
        var result = DesignComparison.Analyze(Scores());
        Assert.Equal(["eos-causal", "latent-bidirectional"], result.Arms);
        Assert.Equal(["tfidf-word", "tfidf-char", "bm25"], result.References);
        var sts = result.Categories.Single(c => c.Category == TaskCategories.Sts);
        Assert.Single(sts.Pairs); // only the two designs are tested
        Assert.Equal(0.52, sts.ReferenceMeans["tfidf-word"], 12);
        Assert.Equal(0.57, sts.ReferenceMeans["tfidf-char"], 12);
        Assert.Equal(("tfidf-char", 0.57), sts.Floor!.Value, (a, b) => a.Item1 == b.Item1 && Math.Abs(a.Item2 - b.Item2) < 1e-12);
        Assert.Equal(["eos-causal"], sts.DesignsAtOrBelowFloor);
        var summary = result.Summary();
        Assert.Contains("Lexical floor: tfidf-char 0.5700; eos-causal do(es) not beat it", summary[0]);
        Assert.Contains("Lexical floor: bm25 0.6600; NO design beats it", summary[1]);
    }

    [Fact]
    public void ReportShowsTheReferenceColumns()
    {
        using var dir = TestPaths.NewTempDir();
        var files = ExperimentReport.Write(dir.Path, Scores(), []);
        string md = File.ReadAllText(files.MarkdownPath);
        Assert.Contains("tfidf-char (reference)", md);
        Assert.Contains("bm25 (reference)", md);
        Assert.Contains("NO design beats it", md);
        Assert.Contains("not part of any test", md);
    }
}

/// <summary>The study's planned family and the reachable-p bound.</summary>
public sealed class PlannedFamilyTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1, 1.0)]
    [InlineData(5, 0.0625)]
    [InlineData(6, 0.03125)]
    [InlineData(9, 2.0 / 512)]
    public void SmallestReachablePIsTwoOverTwoToTheN(int n, double expected) =>
        Assert.Equal(expected, PlannedFamily.SmallestReachableP(n), 15);

    [Fact]
    public void HolmRunsOverThePlannedPairsOnly()
    {
        // Seven STS datasets; latent-bidirectional beats latent-causal everywhere (exact p = 2/128), the others are mixed.
        string[] arms = ["eos-causal", "latent-causal", "latent-bidirectional", "mean-bidirectional"];
        var scores = new List<ArmTaskScore>();
        for (int t = 0; t < 7; t++)
        {
            scores.Add(new ArmTaskScore("eos-causal", $"T{t}", TaskCategories.Sts, 0.30 + (t % 2 == 0 ? 0.05 : -0.05) + 0.001 * t));
            scores.Add(new ArmTaskScore("latent-causal", $"T{t}", TaskCategories.Sts, 0.30 + 0.002 * t));
            scores.Add(new ArmTaskScore("latent-bidirectional", $"T{t}", TaskCategories.Sts, 0.40 + 0.003 * t));
            scores.Add(new ArmTaskScore("mean-bidirectional", $"T{t}", TaskCategories.Sts, 0.35 + 0.004 * t));
        }
        var category = DesignComparison.Analyze(scores).Categories.Single();
        var planned = PlannedFamily.Analyze(category);
        // Present: latent-bidirectional vs latent-causal, latent-causal vs eos-causal (mean-bidirectional is in no hypothesis).
        Assert.Equal(2, planned.Count);
        var bidirectional = planned.Single(p => p.Hypothesis.ArmA == "latent-bidirectional").Comparison;
        Assert.Equal(2.0 / 128, bidirectional.PValue!.Value, 12);
        var other = planned.Single(p => p.Hypothesis.ArmA == "latent-causal").Comparison;
        // Holm over two: the smaller p is doubled, the larger is max(its own, previous).
        Assert.Equal(Math.Min(1, 2 * Math.Min(bidirectional.PValue!.Value, other.PValue!.Value)),
            Math.Min(bidirectional.AdjustedPValue!.Value, other.AdjustedPValue!.Value), 12);
        Assert.True(bidirectional.Significant);
        // The all-pairs family (6 pairs) adjusts the same raw p more strongly.
        Assert.True(category.Pair("latent-bidirectional", "latent-causal")!.AdjustedPValue > bidirectional.AdjustedPValue);
    }
}
