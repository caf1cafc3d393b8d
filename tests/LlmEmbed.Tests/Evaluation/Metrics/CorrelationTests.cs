using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class CorrelationTests
{
    private const string File = "spearman_pearson.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScipy(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        double[] x = GoldenFile.Doubles(c.Inputs.GetProperty("x"));
        double[] y = GoldenFile.Doubles(c.Inputs.GetProperty("y"));
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("pearson_r")), Correlation.Pearson(x, y), 1e-9, $"{caseName}/pearson");
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("spearman_rho")), Correlation.Spearman(x, y), 1e-9, $"{caseName}/spearman");
        if (c.Expected.TryGetProperty("ranks_x", out var ranksX))
        {
            Assert.Equal(GoldenFile.Doubles(ranksX), Correlation.AverageRanks(x));
            Assert.Equal(GoldenFile.Doubles(c.Expected.GetProperty("ranks_y")), Correlation.AverageRanks(y));
        }
    }

    [Fact]
    public void RejectsMismatchedOrTooShortInput()
    {
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => Correlation.Spearman([1.0], [1.0]));
    }
}
