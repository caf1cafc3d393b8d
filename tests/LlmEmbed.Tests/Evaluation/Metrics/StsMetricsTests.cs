using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class StsMetricsTests
{
    private const string File = "sts_scores.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMtebGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var result = StsMetrics.Compute(
            GoldenFile.Matrix(c.Inputs.GetProperty("embeddings1")),
            GoldenFile.Matrix(c.Inputs.GetProperty("embeddings2")),
            GoldenFile.Doubles(c.Inputs.GetProperty("gold_scores")));
        var e = c.Expected;
        AssertAll(GoldenFile.Doubles(e.GetProperty("cosine_scores")), result.CosineScores, caseName + "/cosine_scores");
        AssertAll(GoldenFile.Doubles(e.GetProperty("manhattan_scores")), result.ManhattanScores, caseName + "/manhattan_scores");
        AssertAll(GoldenFile.Doubles(e.GetProperty("euclidean_scores")), result.EuclideanScores, caseName + "/euclidean_scores");
        foreach (var (key, value) in result.ToDictionary())
            GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty(key)), value, 1e-9, $"{caseName}/{key}");
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("main_score")), result.MainScore, 1e-9, caseName + "/main_score");
    }

    private static void AssertAll(double[] expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) GoldenFile.AssertClose(expected[i], actual[i], 1e-9, $"{what}[{i}]");
    }
}
