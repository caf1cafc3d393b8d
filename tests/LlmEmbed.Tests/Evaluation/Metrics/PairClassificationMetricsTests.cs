using System.Text.Json;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class PairClassificationMetricsTests
{
    private const string File = "average_precision.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.Read(File)
        .Where(c => c.Inputs.GetProperty("kind").GetString() == "pair_classification")
        .Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesMtebGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        double[][] e1 = GoldenFile.Matrix(c.Inputs.GetProperty("embeddings1"));
        double[][] e2 = GoldenFile.Matrix(c.Inputs.GetProperty("embeddings2"));
        int[] labels = GoldenFile.Ints(c.Inputs.GetProperty("labels"));

        var result = PairClassificationMetrics.Compute(e1, e2, labels);

        var scores = c.Expected.GetProperty("scores");
        AssertAllClose(scores.GetProperty("cosine"), result.CosineScores, $"{caseName}/cosine scores");
        AssertAllClose(scores.GetProperty("dot"), result.DotScores, $"{caseName}/dot scores");
        AssertAllClose(scores.GetProperty("manhattan"), result.ManhattanDistances, $"{caseName}/manhattan scores");
        AssertAllClose(scores.GetProperty("euclidean"), result.EuclideanDistances, $"{caseName}/euclidean scores");
        AssertMetrics(c.Expected.GetProperty("cosine"), result.Cosine, $"{caseName}/cosine");
        AssertMetrics(c.Expected.GetProperty("dot"), result.Dot, $"{caseName}/dot");
        AssertMetrics(c.Expected.GetProperty("manhattan"), result.Manhattan, $"{caseName}/manhattan");
        AssertMetrics(c.Expected.GetProperty("euclidean"), result.Euclidean, $"{caseName}/euclidean");
        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("main_score")), result.MainScore, 1e-9, "main_score");
    }

    [Fact]
    public void FloatOverloadAgreesWithDouble()
    {
        var c = GoldenFile.Case(File, "pc_hand_2d");
        double[][] e1 = GoldenFile.Matrix(c.Inputs.GetProperty("embeddings1"));
        double[][] e2 = GoldenFile.Matrix(c.Inputs.GetProperty("embeddings2"));
        int[] labels = GoldenFile.Ints(c.Inputs.GetProperty("labels"));
        float[][] f1 = e1.Select(r => r.Select(x => (float)x).ToArray()).ToArray();
        float[][] f2 = e2.Select(r => r.Select(x => (float)x).ToArray()).ToArray();

        var fromFloat = PairClassificationMetrics.Compute(f1, f2, labels);

        Assert.Equal(1.0, fromFloat.Cosine.Accuracy);
        Assert.Equal(0.8, fromFloat.Manhattan.F1, 12);
        Assert.Equal(1.0, fromFloat.MainScore);
    }

    [Fact]
    public void ScanKeepsInitialThresholdsWhenNoCutImproves()
    {
        // As a distance, the negative (0.1) comes first: the only cut gives accuracy 0 and no positive passed.
        var distance = PairClassificationMetrics.FromScores([0.9, 0.1], [1, 0], higherIsMoreSimilar: false);
        Assert.Equal(0.0, distance.Accuracy);
        Assert.Equal(-1.0, distance.AccuracyThreshold);
        Assert.Equal(0.0, distance.F1);
        Assert.Equal(0.0, distance.F1Threshold);
        Assert.Equal(0.5, distance.AveragePrecision);

        // As a similarity the same scores separate perfectly; the threshold is the midpoint.
        var similarity = PairClassificationMetrics.FromScores([0.9, 0.1], [1, 0], higherIsMoreSimilar: true);
        Assert.Equal(new PairSimilarityMetrics(1.0, 0.5, 1.0, 0.5, 1.0, 1.0, 1.0), similarity);
    }

    [Fact]
    public void ScanNeverCutsAfterTheLastRowAndKeepsTheFirstMaximum()
    {
        // Sorted: 4(+) 3(-) 2(+) 1(-). Accuracy after cut 1 = 3/4 and again 3/4 after cut 3, but cut 3 is never
        // better, so the first threshold 3.5 stays. F1: cut1 2/3, cut2 (P 1/2, R 1/2) 1/2, cut3 (P 2/3, R 1) 0.8.
        var m = PairClassificationMetrics.FromScores([1, 2, 3, 4], [0, 1, 0, 1], higherIsMoreSimilar: true);
        Assert.Equal(0.75, m.Accuracy);
        Assert.Equal(3.5, m.AccuracyThreshold);
        GoldenFile.AssertClose(0.8, m.F1);
        Assert.Equal(1.5, m.F1Threshold);
        GoldenFile.AssertClose(2.0 / 3.0, m.Precision);
        Assert.Equal(1.0, m.Recall);

        // A single pair: no cut at all.
        var single = PairClassificationMetrics.FromScores([0.3], [1], higherIsMoreSimilar: true);
        Assert.Equal((0.0, -1.0, 0.0, 0.0, 1.0), (single.Accuracy, single.AccuracyThreshold, single.F1, single.F1Threshold, single.AveragePrecision));
    }

    [Fact]
    public void ZeroVectorCosineFollowsScikitLearn()
    {
        var result = PairClassificationMetrics.Compute(
            new[] { new[] { 0.0, 0.0 }, new[] { 1.0, 0.0 } }, new[] { new[] { 3.0, 4.0 }, new[] { 1.0, 0.0 } }, [0, 1]);
        Assert.Equal(0.5, result.CosineScores[0], 15);
        Assert.Equal(1.0, result.CosineScores[1], 15);
        Assert.Equal(5.0, result.EuclideanDistances[0], 15);
        Assert.Equal(7.0, result.ManhattanDistances[0], 15);
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        double[][] one = [[1.0, 0.0]];
        Assert.Throws<ArgumentException>(() => PairClassificationMetrics.Compute(Array.Empty<double[]>(), [], []));
        Assert.Throws<ArgumentException>(() => PairClassificationMetrics.Compute(one, [[1.0, 0.0], [0.0, 1.0]], [1]));
        Assert.Throws<ArgumentException>(() => PairClassificationMetrics.Compute(one, one, [1, 0]));
        Assert.Throws<ArgumentException>(() => PairClassificationMetrics.Compute(one, [[1.0]], [1]));
        Assert.Throws<ArgumentException>(() => PairClassificationMetrics.Compute(one, one, [3]));
        Assert.Throws<ArgumentException>(() => PairClassificationMetrics.FromScores([double.NaN], [1], true));
    }

    private static void AssertAllClose(JsonElement expected, IReadOnlyList<double> actual, string what)
    {
        double[] e = GoldenFile.Doubles(expected);
        Assert.Equal(e.Length, actual.Count);
        for (int i = 0; i < e.Length; i++) GoldenFile.AssertClose(e[i], actual[i], 1e-9, $"{what}[{i}]");
    }

    private static void AssertMetrics(JsonElement expected, PairSimilarityMetrics actual, string what)
    {
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("accuracy")), actual.Accuracy, 1e-9, $"{what}/accuracy");
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("accuracy_threshold")), actual.AccuracyThreshold, 1e-9, $"{what}/accuracy_threshold");
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("f1")), actual.F1, 1e-9, $"{what}/f1");
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("f1_threshold")), actual.F1Threshold, 1e-9, $"{what}/f1_threshold");
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("precision")), actual.Precision, 1e-9, $"{what}/precision");
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("recall")), actual.Recall, 1e-9, $"{what}/recall");
        GoldenFile.AssertClose(GoldenFile.Double(expected.GetProperty("ap")), actual.AveragePrecision, 1e-9, $"{what}/ap");
    }
}
