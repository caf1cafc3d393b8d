using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class AveragePrecisionTests
{
    private const string File = "average_precision.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.Read(File)
        .Where(c => c.Inputs.GetProperty("kind").GetString() == "average_precision")
        .Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScikitLearnGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        int[] labels = GoldenFile.Ints(c.Inputs.GetProperty("y_true"));
        double[] scores = GoldenFile.Doubles(c.Inputs.GetProperty("y_score"));

        double ap = AveragePrecision.Compute(labels, scores);

        GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("ap")), ap, 1e-9, caseName);
    }

    [Fact]
    public void GoldenFileHasBothKindsAndEveryCaseIsCovered()
    {
        int total = GoldenFile.Read(File).Count;
        Assert.Equal(total, Cases.Count() + PairClassificationMetricsTests.Cases.Count());
        Assert.NotEmpty(Cases);
    }

    [Fact]
    public void HandComputedValues()
    {
        // Negative ranked first: P = 0 at recall 0, then P = 1/2 at recall 1.
        Assert.Equal(0.5, AveragePrecision.Compute([1, 0], [0.2, 0.8]));
        // A tie is one threshold: P = 1/2 at recall 1, whatever the input order.
        Assert.Equal(0.5, AveragePrecision.Compute([1, 0], [0.5, 0.5]));
        Assert.Equal(0.5, AveragePrecision.Compute([0, 1], [0.5, 0.5]));
        // Ranking +, -, +: (1/2)·1 + (1/2)·(2/3).
        GoldenFile.AssertClose(5.0 / 6.0, AveragePrecision.Compute([1, 0, 1], [3.0, 2.0, 1.0]));
        Assert.Equal(0.0, AveragePrecision.Compute([0, 0], [0.1, 0.2]));
        Assert.Equal(1.0, AveragePrecision.Compute([1], [double.NegativeInfinity]));
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        Assert.Throws<ArgumentException>(() => AveragePrecision.Compute([], []));
        Assert.Throws<ArgumentException>(() => AveragePrecision.Compute([1, 0], [0.5]));
        Assert.Throws<ArgumentException>(() => AveragePrecision.Compute([2, 0], [0.5, 0.1]));
        Assert.Throws<ArgumentException>(() => AveragePrecision.Compute([1, 0], [double.NaN, 0.1]));
    }
}
