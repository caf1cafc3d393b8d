using LlmEmbed.Models;
using LlmEmbed.Pooling;
using MathNet.Numerics;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Pooling;

public class PoolerTests
{
    private static Tensor T(float[] data, params long[] shape) => tensor(data).view(shape);

    private static float[] Values(Tensor t) => t.contiguous().to(ScalarType.Float32).cpu().data<float>().ToArray();

    private static void AssertClose(float[] expected, float[] actual, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= atol, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>Batch of 2, 3 tokens, hidden 2: row 0 right-padded (2 tokens), row 1 left-padded (1 token).</summary>
    private static (Tensor Hidden, Tensor Mask) SmallBatch()
    {
        var h = T([1, 2, 3, 4, 5, 6, /* row 1 */ 7, 8, 9, 10, 11, 12], 2, 3, 2);
        var m = tensor(new long[] { 1, 1, 0, 0, 0, 1 }).view(2, 3);
        return (h, m);
    }

    [Fact]
    public void EosPoolerTakesTheLastRealTokenForLeftAndRightPadding()
    {
        var (h, m) = SmallBatch();
        var pooled = new EosPooler(2).Pool([h], m);
        AssertClose([3, 4, 11, 12], Values(pooled), 0, "eos");
    }

    [Fact]
    public void MeanPoolerAveragesRealPoolableTokens()
    {
        var (h, m) = SmallBatch();
        AssertClose([2, 3, 11, 12], Values(new MeanPooler(2).Pool([h], m)), 1e-6, "mean");
        // Three real tokens, the first excluded by the pooling mask (an instruction): mean of tokens 1 and 2 only.
        var all = ones(2, 3, dtype: ScalarType.Int64);
        var pool = tensor(new long[] { 0, 1, 1, 1, 1, 1 }).view(2, 3);
        AssertClose([4, 5, 9, 10], Values(new MeanPooler(2).Pool([h], all, pool)), 1e-6, "mean with pooling mask");
    }

    [Fact]
    public void PoolingMaskCannotReAdmitPaddingAndEmptyRowsAreRejected()
    {
        var (h, m) = SmallBatch();
        var everything = ones(2, 3, dtype: ScalarType.Int64);
        AssertClose([2, 3, 11, 12], Values(new MeanPooler(2).Pool([h], m, everything)), 1e-6, "pooling mask of ones");
        var excludeAll = tensor(new long[] { 1, 1, 1, 0, 0, 0 }).view(2, 3);
        var e = Assert.Throws<ArgumentException>(() => new MeanPooler(2).Pool([h], m, excludeAll));
        Assert.Contains("rows [1]", e.Message);
    }

    [Fact]
    public void NonFinitePaddingStatesDoNotLeakIntoAnyPooler()
    {
        var (h, m) = SmallBatch();
        var poisoned = h.clone();
        poisoned[0, 2] = tensor(new float[] { float.NaN, float.PositiveInfinity });
        poisoned[1, 0] = tensor(new float[] { 1e30f, float.NaN });
        var hs = new[] { h, h.mul(0.5), h };
        var hp = new[] { poisoned, poisoned.mul(0.5), poisoned };
        foreach (var pooler in AllPoolers(2, 2, AttentionMode.Causal).Concat(AllPoolers(2, 2, AttentionMode.Bidirectional)))
        {
            using var _ = no_grad();
            var clean = Values(pooler.Pool(hs, m));
            var dirty = Values(pooler.Pool(hp, m));
            Assert.All(dirty, v => Assert.True(float.IsFinite(v), $"{pooler.Kind}: non-finite output"));
            AssertClose(clean, dirty, 0, pooler.Kind.ToString());
        }
    }

    private static IEnumerable<IPooler> AllPoolers(int hidden, int layers, AttentionMode mode) =>
    [
        new EosPooler(hidden),
        new MeanPooler(hidden),
        PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.LatentAttention, NumLatents = 3, NumHeads = 2, HeadSize = 4, Seed = 1 }, hidden, layers, mode),
        PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.LatentAttention, Orientation = LatentAttentionOrientation.TokensQuery, NumLatents = 3, NumHeads = 2, HeadSize = 4, Seed = 2 }, hidden, layers, mode),
        PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.MultiLayer, NumLatents = 3, NumHeads = 2, HeadSize = 4, Seed = 3 }, hidden, layers, mode),
    ];

    // ---- an independent double-precision reference of the cross-attention block ----

    private sealed class BlockWeights(CrossAttentionBlock block)
    {
        private readonly Dictionary<string, (double[] Data, long[] Shape)> w = block.named_parameters()
            .ToDictionary(p => p.name, p => (Values(p.parameter).Select(x => (double)x).ToArray(), p.parameter.shape));

        public double[] V(string name) => w[name].Data;
        public long Rows(string name) => w[name].Shape[0];
    }

    private static double[] LayerNorm(double[] x, double[] g, double[] b)
    {
        double mean = x.Average(), var = x.Select(v => (v - mean) * (v - mean)).Average();
        return x.Select((v, i) => (v - mean) / Math.Sqrt(var + 1e-5) * g[i] + b[i]).ToArray();
    }

    private static double[] Linear(double[] x, double[] w, long rows, double[]? bias)
    {
        int cols = x.Length;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = bias?[r] ?? 0;
            for (int c = 0; c < cols; c++) s += w[r * cols + c] * x[c];
            y[r] = s;
        }
        return y;
    }

    private static double[][] ReferenceBlock(BlockWeights w, double[][] queries, double[][] keys, bool[]? keyMask, int heads, int headSize)
    {
        int inner = heads * headSize;
        var q = queries.Select(x => Linear(LayerNorm(x, w.V("norm_q.weight"), w.V("norm_q.bias")), w.V("to_q.weight"), inner, null)).ToArray();
        var kv = keys.Select(x => Linear(LayerNorm(x, w.V("norm_kv.weight"), w.V("norm_kv.bias")), w.V("to_kv.weight"), 2 * inner, null)).ToArray();
        var result = new double[queries.Length][];
        for (int i = 0; i < queries.Length; i++)
        {
            var attended = new double[inner];
            for (int h = 0; h < heads; h++)
            {
                var scores = new double[keys.Length];
                for (int j = 0; j < keys.Length; j++)
                {
                    double s = 0;
                    for (int d = 0; d < headSize; d++) s += q[i][h * headSize + d] * kv[j][h * headSize + d];
                    scores[j] = keyMask is null || keyMask[j] ? s / Math.Sqrt(headSize) : double.NegativeInfinity;
                }
                double max = scores.Max();
                var e = scores.Select(s => Math.Exp(s - max)).ToArray();
                double z = e.Sum();
                for (int j = 0; j < keys.Length; j++)
                    for (int d = 0; d < headSize; d++) attended[h * headSize + d] += e[j] / z * kv[j][inner + h * headSize + d];
            }
            var x = queries[i].Zip(Linear(attended, w.V("to_out.weight"), queries[i].Length, w.V("to_out.bias")), (a, b) => a + b).ToArray();
            var gated = Linear(LayerNorm(x, w.V("norm_ff.weight"), w.V("norm_ff.bias")), w.V("ff_in.weight"), w.Rows("ff_in.weight"), w.V("ff_in.bias"));
            int half = gated.Length / 2;
            var act = Enumerable.Range(0, half).Select(k => gated[k] * 0.5 * gated[half + k] * (1 + SpecialFunctions.Erf(gated[half + k] / Math.Sqrt(2)))).ToArray();
            result[i] = x.Zip(Linear(act, w.V("ff_out.weight"), x.Length, w.V("ff_out.bias")), (a, b) => a + b).ToArray();
        }
        return result;
    }

    private static double[][] Rows(Tensor t) // [n, d] → rows
    {
        var v = Values(t);
        int d = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => v.Skip(i * d).Take(d).Select(x => (double)x).ToArray()).ToArray();
    }

    private static double[] MeanOf(IEnumerable<double[]> rows)
    {
        var list = rows.ToList();
        return Enumerable.Range(0, list[0].Length).Select(k => list.Average(r => r[k])).ToArray();
    }

    private static void RandomizeNorms(nn.Module module, long seed)
    {
        // LayerNorm starts at (1, 0); random values make the reference check cover the affine part too.
        var g = new TorchSharp.torch.Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters())
            if (name.Contains("norm") || name.EndsWith(".bias")) p.copy_(randn(p.shape, generator: g).mul_(0.3).add_(name.EndsWith("norm_q.weight") || name.EndsWith("norm_kv.weight") || name.EndsWith("norm_ff.weight") ? 1 : 0));
    }

    [Theory]
    [InlineData(LatentAttentionOrientation.LatentsQuery)]
    [InlineData(LatentAttentionOrientation.TokensQuery)]
    public void LatentAttentionMatchesAReferenceImplementationWithMaskedPaddingKeys(LatentAttentionOrientation orientation)
    {
        var pooler = new LatentAttentionPooler(hiddenSize: 6, orientation, numLatents: 3, numHeads: 2, headSize: 4, feedForwardMultiplier: 4, seed: 11);
        RandomizeNorms(pooler, 5);
        var gen = new TorchSharp.torch.Generator(7);
        var h = randn(new long[] { 2, 4, 6 }, generator: gen);
        var mask = tensor(new long[] { 1, 1, 1, 0, /* left padded */ 0, 1, 1, 1 }).view(2, 4);
        var pool = tensor(new long[] { 1, 1, 1, 1, /* exclude first real token */ 1, 0, 1, 1 }).view(2, 4);
        using var _ = no_grad();
        var got = Values(pooler.Pool([h], mask, pool));

        var w = new BlockWeights(pooler.Block);
        var latents = Rows(pooler.Latents);
        var expected = new List<double>();
        for (int b = 0; b < 2; b++)
        {
            var tokens = Rows(h[b]);
            var keep = Enumerable.Range(0, 4).Select(t => mask[b, t].item<long>() == 1 && pool[b, t].item<long>() == 1).ToArray();
            var real = Enumerable.Range(0, 4).Select(t => mask[b, t].item<long>() == 1).ToArray();
            if (orientation == LatentAttentionOrientation.LatentsQuery)
                expected.AddRange(MeanOf(ReferenceBlock(w, latents, tokens, keep, 2, 4)));
            else
            {
                var outs = ReferenceBlock(w, tokens, latents, null, 2, 4);
                expected.AddRange(MeanOf(outs.Where((_, t) => keep[t])));
                Assert.Contains(false, real);
            }
        }
        AssertClose(expected.Select(x => (float)x).ToArray(), got, 2e-5, $"latent attention {orientation}");
    }

    [Fact]
    public void LatentsQueryWithoutMaskingWouldDiffer()
    {
        // Guards the test above: the padding key really carries weight when not masked, so masking is what we observe.
        var pooler = new LatentAttentionPooler(6, LatentAttentionOrientation.LatentsQuery, 3, 2, 4, 4, 11);
        var h = randn(new long[] { 1, 4, 6 }, generator: new TorchSharp.torch.Generator(7));
        using var _ = no_grad();
        var masked = Values(pooler.Pool([h], tensor(new long[] { 1, 1, 1, 0 }).view(1, 4)));
        var unmasked = Values(pooler.Pool([h], ones(1, 4, dtype: ScalarType.Int64)));
        Assert.True(masked.Zip(unmasked).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Theory]
    [InlineData(LayerSummary.Eos)]
    [InlineData(LayerSummary.Mean)]
    public void MultiLayerPoolerMatchesAReferenceImplementation(LayerSummary summary)
    {
        int layers = 3;
        var pooler = new MultiLayerPooler(hiddenSize: 6, numLayers: layers, summary, numLatents: 2, numHeads: 2, headSize: 3, feedForwardMultiplier: 4, seed: 4);
        RandomizeNorms(pooler, 9);
        var gen = new TorchSharp.torch.Generator(3);
        var hs = Enumerable.Range(0, layers + 1).Select(_ => randn(new long[] { 2, 3, 6 }, generator: gen)).ToArray();
        var mask = tensor(new long[] { 1, 1, 0, 1, 1, 1 }).view(2, 3);
        using var _ = no_grad();
        var got = Values(pooler.Pool(hs, mask));

        var w = new BlockWeights(pooler.Block);
        var named = pooler.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var latents = Rows(named["latents"]);
        var layerEmbedding = Rows(named["layer_embedding"]);
        var expected = new List<double>();
        for (int b = 0; b < 2; b++)
        {
            int real = b == 0 ? 2 : 3;
            var vectors = new double[layers][];
            for (int l = 1; l <= layers; l++)
            {
                var tokens = Rows(hs[l][b]);
                var v = summary == LayerSummary.Eos ? tokens[real - 1] : MeanOf(tokens.Take(real));
                vectors[l - 1] = v.Zip(layerEmbedding[l - 1], (a, e) => a + e).ToArray();
            }
            expected.AddRange(MeanOf(ReferenceBlock(w, latents, vectors, null, 2, 3)));
        }
        AssertClose(expected.Select(x => (float)x).ToArray(), got, 2e-5, $"multi-layer {summary}");
        // The layer vectors themselves: row 0's EOS is token 1 of each layer (index 0 = embeddings is skipped).
        var vectorsGot = pooler.LayerVectors(hs, mask);
        var expectedLayer1 = summary == LayerSummary.Eos ? Values(hs[1][0, 1]) : Values(hs[1][0, TensorIndex.Slice(0, 2)].mean([0L]));
        AssertClose(expectedLayer1, Values(vectorsGot[0, 0]), 1e-6, "layer 1 vector");
    }

    [Fact]
    public void MultiLayerRejectsTheWrongNumberOfHiddenStates()
    {
        var pooler = new MultiLayerPooler(4, 2, LayerSummary.Eos, 2, 1, 4, 4, 0);
        var h = zeros(1, 2, 4);
        var e = Assert.Throws<ArgumentException>(() => pooler.Pool([h, h], ones(1, 2, dtype: ScalarType.Int64)));
        Assert.Contains("2 layers", e.Message);
    }

    [Fact]
    public void ParametersAreNamedForTheNoDecayRuleAndSeeded()
    {
        var a = PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.MultiLayer, Seed = 5 }, 64, 2, AttentionMode.Causal);
        var names = a.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("latents", names);
        Assert.Contains("layer_embedding", names);
        Assert.Contains("block.norm_q.weight", names);
        Assert.Contains("block.norm_kv.bias", names);
        Assert.Contains("block.to_out.bias", names);
        Assert.Contains("block.ff_in.weight", names);
        // Defaults for hidden 64: 32 latents, 1 head of size 64, GEGLU ×4.
        var shapes = a.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.shape);
        Assert.Equal([32L, 64], shapes["latents"]);
        Assert.Equal([2L, 64], shapes["layer_embedding"]);
        Assert.Equal([64L, 64], shapes["block.to_q.weight"]);
        Assert.Equal([2L * 4 * 64, 64], shapes["block.ff_in.weight"]);

        var b = PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.MultiLayer, Seed = 5 }, 64, 2, AttentionMode.Causal);
        var c = PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.MultiLayer, Seed = 6 }, 64, 2, AttentionMode.Causal);
        foreach (var ((name, pa), (_, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
            Assert.True(pa.eq(pb).all().item<bool>(), $"{name} differs for the same seed");
        Assert.False(a.NamedParameters()[0].Parameter.eq(c.NamedParameters()[0].Parameter).all().item<bool>());
    }

    [Fact]
    public void FactoryParsesNamesAndPresets()
    {
        Assert.Equal(PoolerKind.LatentAttention, PoolerFactory.ParseKind("latent-attention"));
        Assert.Equal(PoolerKind.MultiLayer, PoolerFactory.ParseKind("multi-layer"));
        Assert.Equal("latent-attention", PoolerFactory.NameOf(PoolerKind.LatentAttention));
        Assert.Throws<ArgumentException>(() => PoolerFactory.ParseKind("max"));
        Assert.Equal((768, 32, 2048), new PoolerOptions { Size = "paper" }.ResolveSizes(4096));
        Assert.Equal((32, 64, 64), new PoolerOptions().ResolveSizes(4096));
        Assert.Equal((32, 1, 64), new PoolerOptions().ResolveSizes(32));
        Assert.Equal((8, 1, 64), new PoolerOptions { NumLatents = 8 }.ResolveSizes(32));
        Assert.Throws<ArgumentException>(() => new PoolerOptions { Size = "huge" }.ResolveSizes(32));
        Assert.Equal(LayerSummary.Eos, MultiLayerPooler.ResolveSummary(LayerSummary.Auto, AttentionMode.Causal));
        Assert.Equal(LayerSummary.Mean, MultiLayerPooler.ResolveSummary(LayerSummary.Auto, AttentionMode.Bidirectional));
    }

    [Fact]
    public void TruncationRenormalises()
    {
        var v = EmbeddingNormalization.TruncateAndNormalize([3f, 4f, 12f], 2);
        Assert.Equal([0.6f, 0.8f], v);
        var l2 = Values(EmbeddingNormalization.L2(T([3, 4, 0, 0], 2, 2)));
        Assert.Equal([0.6f, 0.8f, 0f, 0f], l2);
    }

    [Fact]
    public void PoolersAreDifferentiable()
    {
        var pooler = PoolerFactory.Create(new PoolerOptions { Kind = PoolerKind.LatentAttention, NumLatents = 2, Seed = 1 }, 8, 1, AttentionMode.Causal);
        var h = randn(1, 3, 8);
        pooler.Pool([h, h], ones(1, 3, dtype: ScalarType.Int64)).sum().backward();
        foreach (var (name, p) in pooler.NamedParameters()) Assert.True(p.grad is not null, $"{name} has no gradient");
    }
}
