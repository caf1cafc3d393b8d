using LlmEmbed.Evaluation.Results;
using LlmEmbed.Statistics;
using Xunit;

namespace LlmEmbed.Tests.Statistics;

public sealed class PairedStatisticBootstrapTests
{
    private static double[] Values(int n, int seed, double shift)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => rng.NextDouble() + shift).ToArray();
    }

    [Fact]
    public void WithTheMeanItReproducesThePairedMeanBootstrap()
    {
        double[] a = Values(40, 1, 0.05), b = Values(40, 2, 0);
        var reference = PairedBootstrap.ConfidenceInterval(a, b, resamples: 500, seed: 7);
        var result = PairedStatisticBootstrap.Test(a.Length, idx => idx.Average(i => a[i]), idx => idx.Average(i => b[i]), resamples: 500, seed: 7);
        Assert.Equal(reference.MeanDifference, result.Difference, 12);
        Assert.Equal(reference.Lower, result.Lower, 12);
        Assert.Equal(reference.Upper, result.Upper, 12);
        int below = reference.ResampleMeanDifferences.Count(d => d <= 1e-12), above = reference.ResampleMeanDifferences.Count(d => d >= -1e-12);
        Assert.Equal(Math.Min(1.0, 2.0 * Math.Min(below, above) / 500), result.PValue, 12);
    }

    [Fact]
    public void SpearmanItemsOfIdenticalModelsGiveNoDifference()
    {
        double[] gold = Values(30, 3, 0), prediction = Values(30, 4, 0);
        var a = ItemScores.FromPredictions(prediction, gold);
        var result = ItemScores.Compare(a, a, resamples: 200);
        Assert.Equal(0, result.Difference);
        Assert.Equal(1.0, result.PValue);
    }

    [Fact]
    public void SpearmanItemsOfABetterModelGiveASmallP()
    {
        double[] gold = Values(200, 5, 0);
        var noise = Values(200, 6, -0.5);
        var good = ItemScores.FromPredictions(gold.Select((g, i) => g + 0.1 * noise[i]).ToArray(), gold);
        var poor = ItemScores.FromPredictions(gold.Select((g, i) => g + 2.0 * noise[i]).ToArray(), gold);
        var result = ItemScores.Compare(good, poor, resamples: 500);
        Assert.True(result.Difference > 0.3, $"difference {result.Difference}");
        Assert.True(result.Lower > 0);
        Assert.Equal(0.0, result.PValue);
        Assert.Equal(good.Evaluate() - poor.Evaluate(), result.Difference, 12);
    }

    [Fact]
    public void DifferentItemsAreRefused()
    {
        var a = ItemScores.FromPredictions([0.1, 0.5, 0.9], [1, 2, 3]);
        var b = ItemScores.FromPredictions([0.1, 0.5, 0.9], [1, 2, 4]);
        Assert.Throws<ArgumentException>(() => ItemScores.Compare(a, b));
        Assert.Throws<ArgumentException>(() => ItemScores.Compare(a, ItemScores.FromMean([1, 2, 3])));
    }
}
