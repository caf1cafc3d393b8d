using System.Text.Json;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class RetrievalMetricsTests
{
    private const string File = "retrieval_metrics.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTrecEvalGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var (results, qrels, kValues) = ReadInputs(c.Inputs);

        var evaluation = RetrievalMetrics.Evaluate(results, qrels, kValues);

        Assert.Empty(evaluation.QueriesWithoutJudgments);
        Assert.Empty(evaluation.QueriesWithoutResults);
        var expectedPerQuery = c.Expected.GetProperty("per_query");
        Assert.Equal(expectedPerQuery.EnumerateObject().Count(), evaluation.PerQuery.Count);
        foreach (var query in expectedPerQuery.EnumerateObject())
            AssertScores(query.Value, evaluation.PerQuery[query.Name], $"{caseName}/{query.Name}");
        AssertScores(c.Expected.GetProperty("mean"), evaluation.Mean, $"{caseName}/mean");

        foreach (var query in c.Expected.GetProperty("ranking_top20").EnumerateObject())
        {
            string[] expectedOrder = query.Value.EnumerateArray().Select(e => e.GetString()!).ToArray();
            var ranking = RetrievalMetrics.Rank(results[query.Name]);
            Assert.Equal(expectedOrder, ranking.Take(20).ToArray());
        }
    }

    [Fact]
    public void HandComputedSingleQuery()
    {
        // Ranking r1 (grade 0), r2 (grade 2), r3 (unjudged); judged "gone" (grade 1) is not retrieved. R = 2.
        var candidates = new[] { new ScoredDocument("r1", 3.0), new ScoredDocument("r2", 2.0), new ScoredDocument("r3", 1.0) };
        var judgments = new Dictionary<string, int> { ["r1"] = 0, ["r2"] = 2, ["gone"] = 1 };

        var s = RetrievalMetrics.EvaluateQuery(candidates, judgments, [1, 2, 5]);

        Assert.Equal(0.0, s.NdcgAt(1));
        // DCG@2 = 2/log2(3); IDCG@2 = 2 + 1/log2(3).
        GoldenFile.AssertClose((2 / Math.Log2(3)) / (2 + 1 / Math.Log2(3)), s.NdcgAt(2));
        GoldenFile.AssertClose(0.25, s.MapAt(2)); // (1/2) / R
        GoldenFile.AssertClose(0.5, s.RecallAt(5));
        GoldenFile.AssertClose(0.2, s.PrecisionAt(5)); // divides by k although only 3 docs are ranked
        Assert.Equal(0.0, s.MrrAt(1));
        GoldenFile.AssertClose(0.5, s.MrrAt(2));
        Assert.Equal(0.5, s.ToDictionary()["mrr_at_5"]);
        Assert.Throws<ArgumentException>(() => s.NdcgAt(10));
    }

    [Fact]
    public void TiesAreBrokenByDocIdDescendingInByteOrder()
    {
        // U+FF01 is below U+1F600 as a code point (and in UTF-8), although its UTF-16 unit is above the surrogates.
        const string fullwidth = "\uFF01";
        const string emoji = "\U0001F600";
        var candidates = new[]
        {
            new ScoredDocument("d1", 0.5), new ScoredDocument("d10", 0.5), new ScoredDocument(fullwidth, 0.5),
            new ScoredDocument("d2", 0.5), new ScoredDocument(emoji, 0.5), new ScoredDocument("top", 0.9),
        };

        var ranking = RetrievalMetrics.Rank(candidates);

        Assert.Equal(new[] { "top", emoji, fullwidth, "d2", "d10", "d1" }, ranking);
    }

    [Fact]
    public void QueriesMissingOnEitherSideAreLeftOutAndReported()
    {
        var results = new Dictionary<string, IReadOnlyList<ScoredDocument>>
        {
            ["q1"] = [new("a", 1.0), new("b", 0.5)],
            ["unjudged"] = [new("a", 1.0)],
        };
        var qrels = new Dictionary<string, IReadOnlyDictionary<string, int>>
        {
            ["q1"] = new Dictionary<string, int> { ["b"] = 1 },
            ["unretrieved"] = new Dictionary<string, int> { ["a"] = 1 },
        };

        var evaluation = RetrievalMetrics.Evaluate(results, qrels, [1, 2]);

        Assert.Equal(["q1"], evaluation.PerQuery.Keys);
        Assert.Equal(["unjudged"], evaluation.QueriesWithoutJudgments);
        Assert.Equal(["unretrieved"], evaluation.QueriesWithoutResults);
        Assert.Equal(0.5, evaluation.Mean.MrrAt(2));
    }

    [Fact]
    public void EmptyRankingScoresZeroButCountsInTheMean()
    {
        var results = new Dictionary<string, IReadOnlyList<ScoredDocument>>
        {
            ["q1"] = [new("a", 1.0)],
            ["q2"] = [],
        };
        var qrels = new Dictionary<string, IReadOnlyDictionary<string, int>>
        {
            ["q1"] = new Dictionary<string, int> { ["a"] = 1 },
            ["q2"] = new Dictionary<string, int> { ["a"] = 1 },
        };

        var evaluation = RetrievalMetrics.Evaluate(results, qrels, [1]);

        Assert.Equal(0.0, evaluation.PerQuery["q2"].NdcgAt(1));
        Assert.Equal(0.5, evaluation.Mean.NdcgAt(1));
        Assert.Equal(RetrievalMetrics.MtebDefaultKValues, RetrievalMetrics.Evaluate(results, qrels).Mean.KValues);
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        var judgments = new Dictionary<string, int> { ["a"] = 1 };
        Assert.Throws<ArgumentException>(() =>
            RetrievalMetrics.EvaluateQuery([new("a", 1.0), new("a", 0.5)], judgments, [1]));
        Assert.Throws<ArgumentException>(() =>
            RetrievalMetrics.EvaluateQuery([new("a", double.NaN)], judgments, [1]));
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.EvaluateQuery([new("a", 1.0)], judgments, [0]));
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.EvaluateQuery([new("a", 1.0)], judgments, []));
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.EvaluateQuery([new("a", 1.0)], judgments, [3, 3]));

        var results = new Dictionary<string, IReadOnlyList<ScoredDocument>> { ["x"] = [new("a", 1.0)] };
        var qrels = new Dictionary<string, IReadOnlyDictionary<string, int>> { ["y"] = judgments };
        Assert.Throws<ArgumentException>(() => RetrievalMetrics.Evaluate(results, qrels, [1]));
    }

    private static void AssertScores(JsonElement expected, RetrievalScores actual, string what)
    {
        var actualValues = actual.ToDictionary();
        Assert.Equal(expected.EnumerateObject().Count(), actualValues.Count);
        foreach (var metric in expected.EnumerateObject())
            GoldenFile.AssertClose(GoldenFile.Double(metric.Value), actualValues[metric.Name], 1e-9, $"{what}/{metric.Name}");
    }

    private static (Dictionary<string, IReadOnlyList<ScoredDocument>> Results,
        Dictionary<string, IReadOnlyDictionary<string, int>> Qrels, int[] KValues) ReadInputs(JsonElement inputs)
    {
        string[] queryIds = inputs.GetProperty("query_ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
        string[] docIds = inputs.GetProperty("doc_ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
        double[][] scores = GoldenFile.Matrix(inputs.GetProperty("scores"));
        var results = new Dictionary<string, IReadOnlyList<ScoredDocument>>();
        for (int q = 0; q < queryIds.Length; q++)
            results[queryIds[q]] = docIds.Select((d, j) => new ScoredDocument(d, scores[q][j])).ToArray();

        var qrels = new Dictionary<string, IReadOnlyDictionary<string, int>>();
        foreach (var query in inputs.GetProperty("qrels").EnumerateObject())
            qrels[query.Name] = query.Value.EnumerateObject().ToDictionary(d => d.Name, d => d.Value.GetInt32());
        return (results, qrels, GoldenFile.Ints(inputs.GetProperty("k_values")));
    }
}
