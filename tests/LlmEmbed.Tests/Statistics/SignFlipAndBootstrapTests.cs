using LlmEmbed.Statistics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Statistics;

public class SignFlipAndBootstrapTests
{
    private const string File = "bootstrap_ci.jsonl";

    public static IEnumerable<object[]> SignFlipCases => GoldenFile.Read(File)
        .Where(c => c.Inputs.GetProperty("kind").GetString() == "sign_flip_exact").Select(c => new object[] { c.Name });

    public static IEnumerable<object[]> BootstrapCases => GoldenFile.Read(File)
        .Where(c => c.Inputs.GetProperty("kind").GetString() == "bootstrap_given_indices").Select(c => new object[] { c.Name });

    [Fact]
    public void EveryGoldenCaseIsCovered()
    {
        Assert.Equal(GoldenFile.Read(File).Count, SignFlipCases.Count() + BootstrapCases.Count());
        Assert.NotEmpty(BootstrapCases);
    }

    [Theory]
    [MemberData(nameof(SignFlipCases))]
    public void SignFlipMatchesGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var a = GoldenFile.Doubles(c.Inputs.GetProperty("a"));
        var b = GoldenFile.Doubles(c.Inputs.GetProperty("b"));
        var e = c.Expected;

        var r = SignFlipPermutationTest.Test(a, b);

        Assert.True(r.Exact);
        Assert.Equal(e.GetProperty("n_sign_vectors").GetInt64(), r.SignVectors);
        Assert.Equal(e.GetProperty("count_two_sided").GetInt64(), r.CountTwoSided);
        Assert.Equal(e.GetProperty("count_greater").GetInt64(), r.CountGreater);
        Assert.Equal(e.GetProperty("count_less").GetInt64(), r.CountLess);
        Assert.True(Math.Abs(e.GetProperty("p_two_sided").GetDouble() - r.PTwoSided) <= 1e-12);
        Assert.True(Math.Abs(e.GetProperty("p_greater").GetDouble() - r.PGreater) <= 1e-12);
        Assert.True(Math.Abs(e.GetProperty("p_less").GetDouble() - r.PLess) <= 1e-12);
        GoldenFile.AssertClose(e.GetProperty("mean_a").GetDouble(), r.MeanA, 1e-9, "mean_a");
        GoldenFile.AssertClose(e.GetProperty("mean_b").GetDouble(), r.MeanB, 1e-9, "mean_b");
        GoldenFile.AssertClose(e.GetProperty("mean_diff").GetDouble(), r.MeanDifference, 1e-9, "mean_diff");
    }

    [Theory]
    [MemberData(nameof(BootstrapCases))]
    public void BootstrapFromGivenIndicesMatchesGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var a = GoldenFile.Doubles(c.Inputs.GetProperty("a"));
        var b = GoldenFile.Doubles(c.Inputs.GetProperty("b"));
        var rows = c.Inputs.GetProperty("resample_indices").EnumerateArray().Select(r => (IReadOnlyList<int>)GoldenFile.Ints(r)).ToList();
        var e = c.Expected;

        var r = PairedBootstrap.FromIndices(a, b, rows, 0.95);

        GoldenFile.AssertClose(e.GetProperty("mean_diff").GetDouble(), r.MeanDifference, 1e-9, "mean_diff");
        var expectedMeans = GoldenFile.Doubles(e.GetProperty("resample_mean_diffs"));
        Assert.Equal(expectedMeans.Length, r.ResampleMeanDifferences.Count);
        for (int i = 0; i < expectedMeans.Length; i++) GoldenFile.AssertClose(expectedMeans[i], r.ResampleMeanDifferences[i], 1e-9, $"resample {i}");
        GoldenFile.AssertClose(e.GetProperty("percentile_2_5").GetDouble(), r.Lower, 1e-9, "2.5%");
        GoldenFile.AssertClose(e.GetProperty("percentile_97_5").GetDouble(), r.Upper, 1e-9, "97.5%");
        GoldenFile.AssertClose(e.GetProperty("bootstrap_std").GetDouble(), r.StandardError, 1e-9, "std");
    }

    [Fact]
    public void MonteCarloIsSeededAndCloseToExact()
    {
        // n = 22 > MaxExactN: Monte Carlo. Compare with exact enumeration of the same data (maxExactN raised).
        var a = Enumerable.Range(0, 22).Select(i => 0.5 + 0.01 * ((i * 7) % 11)).ToArray();
        var b = Enumerable.Range(0, 22).Select(i => 0.5 + 0.01 * ((i * 5) % 13) - 0.004).ToArray();
        var mc1 = SignFlipPermutationTest.Test(a, b, monteCarloDraws: 20_000, seed: 7);
        var mc2 = SignFlipPermutationTest.Test(a, b, monteCarloDraws: 20_000, seed: 7);
        var exact = SignFlipPermutationTest.Test(a, b, maxExactN: 22);
        Assert.False(mc1.Exact);
        Assert.True(exact.Exact);
        Assert.Equal(mc1, mc2);
        Assert.InRange(mc1.PTwoSided, exact.PTwoSided - 0.02, exact.PTwoSided + 0.02);
    }

    [Fact]
    public void SeededBootstrapIsReproducibleAndCoversTheMean()
    {
        var a = Enumerable.Range(0, 30).Select(i => 0.6 + 0.01 * (i % 5)).ToArray();
        var b = Enumerable.Range(0, 30).Select(i => 0.55 + 0.013 * (i % 4)).ToArray();
        var r1 = PairedBootstrap.ConfidenceInterval(a, b, resamples: 2000, seed: 3);
        var r2 = PairedBootstrap.ConfidenceInterval(a, b, resamples: 2000, seed: 3);
        Assert.Equal(r1.Lower, r2.Lower);
        Assert.Equal(r1.Upper, r2.Upper);
        Assert.InRange(r1.MeanDifference, r1.Lower, r1.Upper);
        Assert.True(r1.Lower < r1.Upper);
    }

    [Fact]
    public void PercentileFollowsNumpyLinear()
    {
        double[] v = [4, 1, 3, 2];
        Assert.Equal(1.0, Percentile.Linear(v, 0));
        Assert.Equal(4.0, Percentile.Linear(v, 100));
        Assert.Equal(2.5, Percentile.Linear(v, 50));
        GoldenFile.AssertClose(1.075, Percentile.Linear(v, 2.5), 1e-12);
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        Assert.Throws<ArgumentException>(() => SignFlipPermutationTest.Test([1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => SignFlipPermutationTest.Test([], []));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.FromIndices([1.0, 2.0], [1.0, 2.0], [new[] { 0, 2 }]));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.ConfidenceInterval([double.NaN], [1.0]));
    }
}
