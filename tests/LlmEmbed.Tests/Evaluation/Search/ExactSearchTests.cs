using LlmEmbed.Search;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Evaluation.Search;

public class ExactSearchTests
{
    [Theory]
    [InlineData(SearchSimilarity.Dot, 10, 7, 64)]
    [InlineData(SearchSimilarity.Cosine, 10, 7, 64)]
    [InlineData(SearchSimilarity.Dot, 25, 100, 1)]
    [InlineData(SearchSimilarity.Cosine, 1, 3, 299)]
    public void MatchesBruteForceAcrossChunks(SearchSimilarity similarity, int topK, int queryChunk, int corpusChunk)
    {
        var random = new Random(1234);
        float[][] corpus = RandomRows(random, 300, 12);
        float[][] queries = RandomRows(random, 20, 12);

        var hits = ExactSearch.Search(queries, corpus, topK, similarity, queryChunk, corpusChunk);

        Assert.Equal(queries.Length, hits.Count);
        for (int q = 0; q < queries.Length; q++)
        {
            double[] exact = corpus.Select(d => BruteForceScore(queries[q], d, similarity)).ToArray();
            double[] sortedExact = exact.OrderByDescending(x => x).ToArray();
            Assert.Equal(topK, hits[q].Length);
            Assert.Equal(topK, hits[q].Select(h => h.Index).Distinct().Count());
            for (int r = 0; r < topK; r++)
            {
                var hit = hits[q][r];
                // float32 scores: each reported score is its doc's exact score, and the r-th best exact score.
                Assert.True(Math.Abs(hit.Score - exact[hit.Index]) <= 1e-5, $"query {q} rank {r}: {hit.Score} vs {exact[hit.Index]}");
                Assert.True(Math.Abs(hit.Score - sortedExact[r]) <= 1e-5, $"query {q} rank {r}: not the r-th best");
                if (r > 0) Assert.True(hits[q][r - 1].Score >= hit.Score, "hits must be sorted by score descending");
            }
        }
    }

    [Fact]
    public void KLargerThanCorpusReturnsTheWholeCorpusSorted()
    {
        float[][] corpus = [[1, 0], [0, 1], [0.6f, 0.8f], [-1, 0], [0.8f, 0.6f]];
        float[][] queries = [[1, 0]];

        var hits = ExactSearch.Search(queries, corpus, topK: 50, SearchSimilarity.Dot, queryChunkSize: 1, corpusChunkSize: 2);

        Assert.Equal(new[] { 0, 4, 2, 1, 3 }, hits[0].Select(h => h.Index));
        Assert.Equal(new[] { 1.0, 0.8, 0.6, 0.0, -1.0 }, hits[0].Select(h => Math.Round(h.Score, 6)));
    }

    [Fact]
    public void CosineIgnoresLengthAndScoresZeroRowsAsZero()
    {
        float[][] corpus = [[10, 0], [0, 0], [0, 0.5f]];
        var dot = ExactSearch.Search([[0.5f, 0.5f]], corpus, 3, SearchSimilarity.Dot);
        var cosine = ExactSearch.Search([[0.5f, 0.5f]], corpus, 3, SearchSimilarity.Cosine);

        Assert.Equal(new[] { 0, 2, 1 }, dot[0].Select(h => h.Index));
        Assert.Equal(5.0, dot[0][0].Score, 6);
        Assert.Equal(Math.Sqrt(0.5), cosine[0][0].Score, 6);
        Assert.Equal(Math.Sqrt(0.5), cosine[0][1].Score, 6);
        Assert.Equal(1, cosine[0][2].Index);
        Assert.Equal(0.0, cosine[0][2].Score);
    }

    [Fact]
    public void TensorOverloadAcceptsFloat64AndEmptyCorpus()
    {
        using var queries = tensor(new double[] { 1, 2, 3, 4 }, [2, 2]);
        using var corpus = tensor(new double[] { 1, 0, 0, 1, 1, 1 }, [3, 2]);
        var hits = ExactSearch.Search(queries, corpus, 2, SearchSimilarity.Dot);
        Assert.Equal(new[] { new SearchHit(2, 3.0), new SearchHit(1, 2.0) }, hits[0]);
        Assert.Equal(new[] { new SearchHit(2, 7.0), new SearchHit(1, 4.0) }, hits[1]);

        using var empty = zeros([0, 2], ScalarType.Float64);
        var none = ExactSearch.Search(queries, empty, 5, SearchSimilarity.Cosine);
        Assert.Equal(2, none.Count);
        Assert.All(none, h => Assert.Empty(h));
    }

    [Fact]
    public void LeavesNoLiveTensorsBehind()
    {
        var random = new Random(7);
        using var queries = tensor(RandomRows(random, 9, 4).SelectMany(r => r).ToArray(), [9, 4]);
        using var corpus = tensor(RandomRows(random, 50, 4).SelectMany(r => r).ToArray(), [50, 4]);
        var statistics = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
        long before = statistics.ThreadTotalLiveCount;

        ExactSearch.Search(queries, corpus, 5, SearchSimilarity.Cosine, queryChunkSize: 4, corpusChunkSize: 8);

        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        float[][] corpus = [[1, 0], [0, 1]];
        Assert.Throws<ArgumentException>(() => ExactSearch.Search([[1f, 0f, 0f]], corpus, 1, SearchSimilarity.Dot));
        Assert.Throws<ArgumentException>(() => ExactSearch.Search([[1f, 0f]], corpus, 0, SearchSimilarity.Dot));
        Assert.Throws<ArgumentException>(() => ExactSearch.Search([[1f, 0f]], [[1f, 0f], [1f]], 1, SearchSimilarity.Dot));
        Assert.Throws<ArgumentException>(() => ExactSearch.Search([[1f, 0f]], corpus, 1, SearchSimilarity.Dot, queryChunkSize: 0));
        Assert.Throws<ArgumentException>(() => ExactSearch.Search([[1f, 0f]], corpus, 1, SearchSimilarity.Dot, corpusChunkSize: 0));
        using var q32 = ones(1, 2);
        using var c64 = ones([2, 2], ScalarType.Float64);
        Assert.Throws<ArgumentException>(() => ExactSearch.Search(q32, c64, 1, SearchSimilarity.Dot));
        using var vector = ones(2);
        Assert.Throws<ArgumentException>(() => ExactSearch.Search(vector, c64, 1, SearchSimilarity.Dot));
    }

    private static float[][] RandomRows(Random random, int rows, int dim) =>
        Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();

    private static double BruteForceScore(float[] query, float[] doc, SearchSimilarity similarity)
    {
        double dot = 0, nq = 0, nd = 0;
        for (int j = 0; j < query.Length; j++)
        {
            dot += (double)query[j] * doc[j];
            nq += (double)query[j] * query[j];
            nd += (double)doc[j] * doc[j];
        }
        return similarity == SearchSimilarity.Dot ? dot : dot / Math.Sqrt(nq * nd);
    }
}
