using System.Text.Json;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class RerankingMetricsTests
{
    private const string File = "reranking.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMtebGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        int mrrAtK = c.Inputs.GetProperty("mrr_at_k").GetInt32();
        var instances = c.Inputs.GetProperty("instances").EnumerateArray().Select(ReadInstance).ToArray();

        var result = RerankingMetrics.Evaluate(instances, mrrAtK);

        var expectedInstances = c.Expected.GetProperty("per_instance").EnumerateArray().ToArray();
        Assert.Equal(expectedInstances.Length, result.PerInstance.Count);
        for (int i = 0; i < expectedInstances.Length; i++)
        {
            var expected = expectedInstances[i];
            var actual = result.PerInstance[i];
            string what = $"{caseName}/instance {i}";
            Assert.Equal(expected.GetProperty("skipped").GetBoolean(), actual.Skipped);
            if (actual.Skipped) continue;
            double[] scores = GoldenFile.Doubles(expected.GetProperty("scores"));
            Assert.Equal(scores.Length, actual.Scores.Count);
            for (int j = 0; j < scores.Length; j++)
                GoldenFile.AssertClose(scores[j], actual.Scores[j], 1e-9, $"{what}/score {j}");
            GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("ap")), actual.AveragePrecision, 1e-9, $"{what}/ap");
            GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("mrr_at_10")), actual.ReciprocalRankAtK, 1e-9, $"{what}/mrr");
            Assert.Equal(expected.GetProperty("rank_of_first_relevant").GetInt32(), actual.RankOfFirstRelevant);
        }
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("map")), result.Map, 1e-9, "map");
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("mrr_at_10")), result.MrrAtK, 1e-9, "mrr_at_10");
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("main_score")), result.MainScore, 1e-9, "main_score");
        Assert.Equal(c.Expected.GetProperty("n_evaluated").GetInt32(), result.EvaluatedCount);
        Assert.Equal(expectedInstances.Length - result.EvaluatedCount, result.SkippedCount);
    }

    [Fact]
    public void ScoreInstanceFromPrecomputedScores()
    {
        // Ranking: c2(-) c0(+) c3(-) c1(+): AP = (1/2 + 2/4)/2, first relevant at rank 2.
        var r = RerankingMetrics.ScoreInstance([0.8, 0.1, 0.9, 0.5], [true, true, false, false], mrrAtK: 10);
        GoldenFile.AssertClose(0.5, r.AveragePrecision);
        Assert.Equal(0.5, r.ReciprocalRankAtK);
        Assert.Equal(2, r.RankOfFirstRelevant);

        var cut = RerankingMetrics.ScoreInstance([0.8, 0.1, 0.9, 0.5], [true, true, false, false], mrrAtK: 1);
        Assert.Equal(0.0, cut.ReciprocalRankAtK);
        Assert.Equal(2, cut.RankOfFirstRelevant);
    }

    [Fact]
    public void ZeroNormCandidateScoresZeroAndAllSkippedGivesNaN()
    {
        var instance = new RerankingInstance([[1.0, 0.0]], [[0.0, 0.0]], [[-1.0, 0.0]]);
        var result = RerankingMetrics.Evaluate([instance]);
        Assert.Equal(new[] { 0.0, -1.0 }, result.PerInstance[0].Scores);
        Assert.Equal(1.0, result.Map);
        Assert.Equal(RerankingMetrics.DefaultMrrAtK, result.MrrCutoff);

        var none = RerankingMetrics.Evaluate([new RerankingInstance([[1.0]], [], [[1.0]])]);
        Assert.Equal(0, none.EvaluatedCount);
        Assert.Equal(1, none.SkippedCount);
        Assert.True(double.IsNaN(none.Map));
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        Assert.Throws<ArgumentException>(() => RerankingMetrics.Evaluate([new RerankingInstance([], [[1.0]], [[1.0]])]));
        Assert.Throws<ArgumentException>(() => RerankingMetrics.Evaluate([new RerankingInstance([[1.0]], [[1.0, 2.0]], [[1.0]])]));
        Assert.Throws<ArgumentException>(() => RerankingMetrics.Evaluate([], mrrAtK: 0));
        Assert.Throws<ArgumentException>(() => RerankingMetrics.ScoreInstance([0.5], [true, false]));
        Assert.Throws<ArgumentException>(() => RerankingMetrics.ScoreInstance([], []));
    }

    private static RerankingInstance ReadInstance(JsonElement e) => new(
        GoldenFile.Matrix(e.GetProperty("query_embeddings")),
        GoldenFile.Matrix(e.GetProperty("positive_embeddings")),
        GoldenFile.Matrix(e.GetProperty("negative_embeddings")));
}
