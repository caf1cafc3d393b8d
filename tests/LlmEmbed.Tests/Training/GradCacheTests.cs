using LlmEmbed.Training.Contrastive;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class GradCacheTests
{
    private static readonly ContrastiveExample[] Batch =
    [
        new("a man plays a guitar", "someone is making music", "a woman sleeps", null, "t", 1),
        new("two dogs run in a field", "animals are outside", null, null, "t", 2),
        new("the stock market fell sharply", "shares lost value", "the market opened", null, "t", 3),
        new("a child eats ice cream", "a kid has dessert", "a child is crying", "retrieve a paraphrase", "t", 4),
        new("rain is expected tomorrow", "the forecast says wet weather", null, null, "t", 5),
        new("she bought a new car", "a vehicle was purchased", "she sold her bike", null, "t", 6),
        new("the train was late", "the railway service was delayed", "the plane was early", null, "t", 7),
    ];

    /// <summary>Gradients of all parameters after one call, from a freshly seeded encoder.</summary>
    private static (double Loss, Dictionary<string, float[]> Grads) Gradients(bool cache, int chunk, bool training, long batchSeed = 99, bool symmetric = false)
    {
        manual_seed(7);
        using var encoder = new TrigramTestEncoder(dropoutProbability: 0.3);
        encoder.Train(training);
        var gradCache = new GradCache(encoder, new InfoNceLoss(20, symmetric), chunk, cache);
        double loss = gradCache.Accumulate(Batch, batchSeed);
        var grads = encoder.TrainableParameters().ToDictionary(p => p.Name, p => p.Parameter.grad!.contiguous().data<float>().ToArray());
        return (loss, grads);
    }

    /// <summary>
    /// ||a - b|| / ||b|| over all gradient elements of all parameters together (a per-tensor or per-element
    /// measure would be ill-conditioned: the projection bias's gradient is a sum of nearly cancelling terms).
    /// </summary>
    private static double RelativeDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        double norm = 0, diff = 0;
        foreach (var name in a.Keys)
        {
            Assert.True(b[name].Any(x => x != 0), $"gradient of {name} is zero: the comparison would be empty");
            norm += b[name].Sum(x => (double)x * x);
            diff += a[name].Zip(b[name], (x, y) => ((double)x - y) * ((double)x - y)).Sum();
        }
        return Math.Sqrt(diff / norm);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void CachedGradientsEqualTheDirectFullBatchGradientWithDropoutActive(int chunk)
    {
        var direct = Gradients(cache: false, chunk, training: true);
        var cached = Gradients(cache: true, chunk, training: true);
        Assert.Equal(direct.Loss, cached.Loss, 6);
        Assert.True(RelativeDifference(cached.Grads, direct.Grads) <= 1e-5, $"relative difference {RelativeDifference(cached.Grads, direct.Grads)}");
    }

    [Fact]
    public void SymmetricLossGradientsAlsoMatch()
    {
        var direct = Gradients(cache: false, 3, training: true, symmetric: true);
        var cached = Gradients(cache: true, 3, training: true, symmetric: true);
        Assert.True(RelativeDifference(cached.Grads, direct.Grads) <= 1e-5, $"relative difference {RelativeDifference(cached.Grads, direct.Grads)}");
    }

    [Fact]
    public void WithoutDropoutChunkingDoesNotChangeTheGradientAtAll()
    {
        // In evaluation mode the chunking is invisible: GradCache in chunks of 2 = one direct pass over the whole batch.
        var whole = Gradients(cache: false, chunk: 64, training: false);
        var cached = Gradients(cache: true, chunk: 2, training: false);
        Assert.Equal(whole.Loss, cached.Loss, 6);
        Assert.True(RelativeDifference(cached.Grads, whole.Grads) <= 1e-5, $"relative difference {RelativeDifference(cached.Grads, whole.Grads)}");
    }

    [Fact]
    public void DropoutIsLiveSoTheComparisonCouldFail()
    {
        // Another batch seed draws other dropout masks, which must change the gradient noticeably.
        var a = Gradients(cache: true, 2, training: true, batchSeed: 99);
        var b = Gradients(cache: true, 2, training: true, batchSeed: 100);
        Assert.True(RelativeDifference(a.Grads, b.Grads) > 1e-3);
    }

    [Fact]
    public void CallersRandomStreamIsRestored()
    {
        using var encoder = new TrigramTestEncoder();
        manual_seed(5);
        using var expected = rand(4);
        manual_seed(5);
        new GradCache(encoder, new InfoNceLoss(), 2).Accumulate(Batch, 1);
        using var after = rand(4);
        Assert.Equal(expected.data<float>().ToArray(), after.data<float>().ToArray());
    }
}
