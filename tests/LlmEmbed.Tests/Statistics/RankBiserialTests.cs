using LlmEmbed.Statistics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Statistics;

public class RankBiserialTests
{
    [Fact]
    public void HandComputedValues()
    {
        // d = [1, 2, -3, 4]: ranks 1, 2, 3, 4; R+ = 7, R- = 3 -> (7 - 3)/10.
        GoldenFile.AssertClose(0.4, RankBiserial.MatchedPairs([1, 2, -3, 4], [0, 0, 0, 0]), 1e-15);
        Assert.Equal(1.0, RankBiserial.MatchedPairs([2, 3], [1, 1]));
        Assert.Equal(-1.0, RankBiserial.MatchedPairs([0, 0], [1, 1]));
        // Zeros are dropped: d = [0, 1, -1] -> ranks 1.5, 1.5 -> 0.
        Assert.Equal(0.0, RankBiserial.MatchedPairs([5, 6, 4], [5, 5, 5]));
        Assert.Equal(0.0, RankBiserial.MatchedPairs([1, 1], [1, 1]));
    }

    [Fact]
    public void AgreesWithWilcoxonRankSums()
    {
        var c = GoldenFile.Case("wilcoxon_signed_rank.jsonl", "retrieval14_models_exact_two_sided");
        var x = GoldenFile.Doubles(c.Inputs.GetProperty("x"));
        var y = GoldenFile.Doubles(c.Inputs.GetProperty("y"));
        GoldenFile.AssertClose((79.0 - 26.0) / 105.0, RankBiserial.MatchedPairs(x, y), 1e-15);
    }
}
