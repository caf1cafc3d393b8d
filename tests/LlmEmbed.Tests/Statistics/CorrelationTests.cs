using LlmEmbed.Statistics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Statistics;

public class CorrelationTests
{
    private const string File = "spearman_pearson.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    private static void AssertP(double expected, double actual, string what)
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), $"{what}: expected NaN, got {actual}"); return; }
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * Math.Abs(expected) + 1e-12, $"{what}: expected {expected:R}, got {actual:R}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScipyGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var x = GoldenFile.Doubles(c.Inputs.GetProperty("x"));
        var y = GoldenFile.Doubles(c.Inputs.GetProperty("y"));
        var e = c.Expected;

        var pearson = Correlation.Pearson(x, y);
        var spearman = Correlation.Spearman(x, y);

        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("pearson_r")), pearson.Coefficient, 1e-9, "pearson_r");
        AssertP(GoldenFile.Double(e.GetProperty("pearson_p")), pearson.PValue, "pearson_p");
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("spearman_rho")), spearman.Coefficient, 1e-9, "spearman_rho");
        AssertP(GoldenFile.Double(e.GetProperty("spearman_p")), spearman.PValue, "spearman_p");
        if (e.TryGetProperty("ranks_x", out var rx))
        {
            Assert.Equal(GoldenFile.Doubles(rx), RankData.Average(x));
            Assert.Equal(GoldenFile.Doubles(e.GetProperty("ranks_y")), RankData.Average(y));
        }
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1.0], [2.0]));
        Assert.Throws<ArgumentException>(() => Correlation.Spearman([1.0, 2.0], [2.0]));
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1.0, double.PositiveInfinity, 3.0], [1.0, 2.0, 3.0]));
    }
}
