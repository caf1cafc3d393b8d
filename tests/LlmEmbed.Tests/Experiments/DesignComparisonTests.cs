using LlmEmbed.Experiments;
using LlmEmbed.Statistics;

namespace LlmEmbed.Tests.Experiments;

public class DesignComparisonTests
{
    private static CategoryComparison Category(DesignComparisonResult r, string name) => r.Categories.Single(c => c.Category == name);

    [Fact]
    public void HandComputedPValuesHolmAndEffects()
    {
        var r = DesignComparison.Analyze(SyntheticExperiment.Scores());

        Assert.Equal(["alpha", "beta", "gamma"], r.Arms);
        Assert.Equal([TaskCategories.Sts, TaskCategories.Retrieval, TaskCategories.Reranking, TaskCategories.Classification, TaskCategories.Clustering],
            r.Categories.Select(c => c.Category).ToArray());

        var sts = Category(r, TaskCategories.Sts);
        var ab = sts.Pair("alpha", "beta")!;
        Assert.Equal(5, ab.PairedObservations);
        Assert.Equal(0.0625, ab.PValue);
        Assert.Equal(0.1875, ab.AdjustedPValue!.Value, 15);
        Assert.Equal(1.0, ab.RankBiserial);
        Assert.Equal((14 + 15 + 13 + 18 + 12) / 5.0, ab.MeanDifference, 12);
        Assert.False(ab.Significant);
        var bg = sts.Pair("beta", "gamma")!;
        Assert.Equal(0.8125, bg.PValue);
        Assert.Equal(0.8125, bg.AdjustedPValue);
        Assert.Equal((9.0 - 6.0) / 15.0, bg.RankBiserial, 15);
        // Reversed orientation flips the sign of the effect, not the p-value.
        var ba = sts.Pair("beta", "alpha")!;
        Assert.Equal(-ab.MeanDifference, ba.MeanDifference);
        Assert.Equal(-1.0, ba.RankBiserial);
        Assert.Equal(ab.PValue, ba.PValue);
        Assert.Equal("alpha", sts.BestArm);
        Assert.Equal(79.0, sts.MeanScore["alpha"], 12);

        var retrieval = Category(r, TaskCategories.Retrieval);
        Assert.Equal(["alpha", "beta"], retrieval.Arms);
        var rab = Assert.Single(retrieval.Pairs);
        Assert.Equal(0.0078125, rab.PValue);
        Assert.Equal(0.0078125, rab.AdjustedPValue);
        Assert.True(rab.Significant);
        Assert.Equal(WilcoxonMethod.Exact, rab.Wilcoxon!.Method);

        var rerank = Category(r, TaskCategories.Reranking);
        Assert.All(rerank.Pairs, p => { Assert.Null(p.Wilcoxon); Assert.Null(p.AdjustedPValue); Assert.NotNull(p.NotApplicableReason); });
        Assert.Equal(5.0, rerank.Pair("alpha", "beta")!.MeanDifference);

        var classification = Category(r, TaskCategories.Classification);
        var cab = classification.Pair("alpha", "beta")!;
        Assert.Equal(4, cab.PairedObservations); // paired over (dataset, seed)
        Assert.Equal(0.125, cab.PValue);
        Assert.Equal(0.125, cab.AdjustedPValue); // the gamma pairs are n/a and do not count in Holm
        var cag = classification.Pair("alpha", "gamma")!;
        Assert.Equal(0, cag.PairedObservations);
        Assert.Null(cag.Wilcoxon);
        Assert.True(double.IsNaN(cag.MeanDifference));

        var clustering = Category(r, TaskCategories.Clustering);
        var same = Assert.Single(clustering.Pairs);
        Assert.Null(same.Wilcoxon);
        Assert.Equal(0.0, same.MeanDifference);
        Assert.Contains("0 of 3", same.NotApplicableReason);
    }

    [Fact]
    public void SummaryNamesBestArmAndSignificantWins()
    {
        var summary = DesignComparison.Analyze(SyntheticExperiment.Scores()).Summary();
        Assert.Equal(5, summary.Count);
        string retrieval = summary.Single(l => l.StartsWith("retrieval:", StringComparison.Ordinal));
        Assert.Contains("best by mean is alpha", retrieval);
        Assert.Contains("alpha > beta", retrieval);
        Assert.Contains("0.0078", retrieval);
        Assert.Contains("no difference significant", summary.Single(l => l.StartsWith("sts:", StringComparison.Ordinal)));
        Assert.Contains("no test possible", summary.Single(l => l.StartsWith("reranking:", StringComparison.Ordinal)));
        Assert.Contains("best by mean is alpha (31.0000 over 3 dataset(s), tied with beta)", summary.Single(l => l.StartsWith("clustering:", StringComparison.Ordinal)));
    }

    [Fact]
    public void RejectsDuplicatesAndInconsistentCategories()
    {
        var dup = new List<ArmTaskScore> { new("a", "t", "sts", 1), new("a", "t", "sts", 2) };
        Assert.Contains("two scores", Assert.Throws<ArgumentException>(() => DesignComparison.Analyze(dup)).Message);
        var mixed = new List<ArmTaskScore> { new("a", "t", "sts", 1), new("b", "t", "retrieval", 2) };
        Assert.Throws<ArgumentException>(() => DesignComparison.Analyze(mixed));
        Assert.Throws<ArgumentException>(() => DesignComparison.Analyze([new("a", "t", "sts", double.NaN)]));
        // Same task with different seeds is not a duplicate.
        var seeded = new List<ArmTaskScore> { new("a", "t", "sts", 1, 1), new("a", "t", "sts", 2, 2) };
        Assert.Single(DesignComparison.Analyze(seeded).Categories);
    }
}
