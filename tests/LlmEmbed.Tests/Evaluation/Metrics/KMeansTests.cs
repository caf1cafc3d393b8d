using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class KMeansTests
{
    private const string File = "kmeans_objective.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void LloydReachesReferenceOptimum(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        double[][] x = GoldenFile.Matrix(c.Inputs.GetProperty("X"));
        int k = c.Inputs.GetProperty("n_clusters").GetInt32();

        var result = KMeans.Fit(x, new KMeansOptions(k, Restarts: 10, Seed: 7));

        CheckAgainstGolden(c, x, result, caseName);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MiniBatchWithRestartsReachesReferenceOptimum(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        double[][] x = GoldenFile.Matrix(c.Inputs.GetProperty("X"));
        int k = c.Inputs.GetProperty("n_clusters").GetInt32();

        // A single mini-batch run can miss the optimum (golden README); a few restarts keep the lowest inertia.
        var result = KMeans.FitMiniBatch(x, new KMeansOptions(k, Restarts: 10, MaxIterations: 100, Seed: 3, BatchSize: 500));

        CheckAgainstGolden(c, x, result, caseName);
    }

    [Fact]
    public void SameSeedGivesSameClustering()
    {
        var c = GoldenFile.Case(File, "overlap_k5_d5_n200_16103");
        double[][] x = GoldenFile.Matrix(c.Inputs.GetProperty("X"));
        var a = KMeans.FitMiniBatch(x, new KMeansOptions(5, Restarts: 1, Seed: 11, BatchSize: 50));
        var b = KMeans.FitMiniBatch(x, new KMeansOptions(5, Restarts: 1, Seed: 11, BatchSize: 50));
        Assert.Equal(a.Assignments, b.Assignments);
        Assert.Equal(a.Inertia, b.Inertia);
    }

    [Fact]
    public void RejectsMoreClustersThanRows()
    {
        Assert.Throws<ArgumentException>(() => KMeans.Fit([[0.0], [1.0]], new KMeansOptions(3)));
    }

    private static void CheckAgainstGolden(GoldenCase c, double[][] x, KMeansResult result, string caseName)
    {
        GoldenFile.AssertClose(KMeans.Inertia(x, result.Assignments, result.Centers), result.Inertia, 1e-9, caseName + "/inertia consistency");
        if (c.Expected.GetProperty("kind").GetString() == "separated")
        {
            int[] labels = GoldenFile.Ints(c.Inputs.GetProperty("labels"));
            GoldenFile.AssertClose(1.0, VMeasure.Score(labels, result.Assignments), 1e-9, caseName + "/v_measure");
            GoldenFile.AssertClose(GoldenFile.Double(c.Expected.GetProperty("optimal_inertia")), result.Inertia, 1e-9, caseName + "/inertia");
        }
        else
        {
            double allowed = GoldenFile.Double(c.Expected.GetProperty("max_allowed_inertia"));
            Assert.True(result.Inertia <= allowed, $"{caseName}: inertia {result.Inertia} > allowed {allowed}");
        }
    }
}
