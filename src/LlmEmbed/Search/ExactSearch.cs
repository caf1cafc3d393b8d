using TorchSharp;
using static TorchSharp.torch;

namespace LlmEmbed.Search;

/// <summary>
/// Exact (brute-force) top-k search by dot product or cosine over a corpus embedding matrix.
/// </summary>
/// <remarks>
/// Queries are processed in chunks of <c>queryChunkSize</c> rows; each chunk is multiplied against the corpus in
/// chunks of <c>corpusChunkSize</c> rows, and a running top-k per query is merged after every corpus chunk, so
/// the largest intermediate is a queryChunkSize x corpusChunkSize score block whatever the corpus size.
/// Scores are computed in the tensors' dtype (float32 or float64). Hits come back sorted by score descending;
/// the order among exactly equal scores is unspecified (it follows torch's topk), so callers that need
/// a deterministic tie order must re-sort (e.g. <see cref="Metrics.RetrievalMetrics.Rank"/>).
/// </remarks>
public static class ExactSearch
{
    public const int DefaultQueryChunkSize = 1024;
    public const int DefaultCorpusChunkSize = 16384;

    // torch.nn.functional.normalize's default epsilon: rows with a smaller norm are treated as zero rows.
    private const double NormEpsilon = 1e-12;

    /// <summary>Top-k of each query over rows of jagged arrays (copied into float32 tensors).</summary>
    /// <param name="queries">Query embeddings, one row per query.</param>
    /// <param name="corpus">Corpus embeddings, one row per document, same dimension as the queries.</param>
    /// <param name="topK">Hits per query; a k larger than the corpus returns the whole corpus.</param>
    public static IReadOnlyList<SearchHit[]> Search(
        IReadOnlyList<float[]> queries, IReadOnlyList<float[]> corpus, int topK, SearchSimilarity similarity,
        int queryChunkSize = DefaultQueryChunkSize, int corpusChunkSize = DefaultCorpusChunkSize)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        if (queries.Count == 0) return [];
        int dim = queries[0]?.Length ?? throw new ArgumentException("queries[0] is null", nameof(queries));
        using var queryTensor = ToTensor(queries, dim, nameof(queries));
        using var corpusTensor = ToTensor(corpus, dim, nameof(corpus));
        return Search(queryTensor, corpusTensor, topK, similarity, queryChunkSize, corpusChunkSize);
    }

    /// <summary>Top-k of each query row of <paramref name="queries"/> over the rows of <paramref name="corpus"/>.</summary>
    /// <param name="queries">[queries, dim] float32 or float64 tensor.</param>
    /// <param name="corpus">[documents, dim] tensor of the same dtype and device.</param>
    /// <param name="topK">Hits per query; a k larger than the corpus returns the whole corpus.</param>
    public static IReadOnlyList<SearchHit[]> Search(
        Tensor queries, Tensor corpus, int topK, SearchSimilarity similarity,
        int queryChunkSize = DefaultQueryChunkSize, int corpusChunkSize = DefaultCorpusChunkSize)
    {
        Validate(queries, corpus, topK, similarity, queryChunkSize, corpusChunkSize);
        long queryCount = queries.shape[0];
        long corpusCount = corpus.shape[0];
        var results = new List<SearchHit[]>((int)queryCount);
        if (corpusCount == 0)
        {
            for (long i = 0; i < queryCount; i++) results.Add([]);
            return results;
        }

        for (long queryStart = 0; queryStart < queryCount; queryStart += queryChunkSize)
        {
            long queryRows = Math.Min(queryChunkSize, queryCount - queryStart);
            using var scope = NewDisposeScope();
            Tensor queryChunk = queries.narrow(0, queryStart, queryRows);
            if (similarity == SearchSimilarity.Cosine)
                queryChunk = nn.functional.normalize(queryChunk, p: 2, dim: 1, eps: NormEpsilon);

            Tensor? bestScores = null, bestIndices = null;
            try
            {
                for (long corpusStart = 0; corpusStart < corpusCount; corpusStart += corpusChunkSize)
                {
                    long corpusRows = Math.Min(corpusChunkSize, corpusCount - corpusStart);
                    using var chunkScope = NewDisposeScope();
                    var (scores, indices) = ChunkTopK(queryChunk, corpus, corpusStart, corpusRows, topK, similarity);
                    if (bestScores is not null && bestIndices is not null)
                    {
                        scores = cat([bestScores, scores], dim: 1);
                        indices = cat([bestIndices, indices], dim: 1);
                        if (scores.shape[1] > topK)
                        {
                            var (kept, positions) = scores.topk(topK, dim: 1, largest: true, sorted: false);
                            scores = kept;
                            indices = indices.gather(1, positions);
                        }
                    }
                    // The running top-k outlives this chunk's scope; the previous one is no longer needed.
                    bestScores?.Dispose();
                    bestIndices?.Dispose();
                    bestScores = scores.DetachFromDisposeScope();
                    bestIndices = indices.DetachFromDisposeScope();
                }

                var (sortedScores, order) = bestScores!.sort(dim: 1, descending: true);
                Tensor sortedIndices = bestIndices!.gather(1, order);
                double[] scoreValues = sortedScores.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
                long[] indexValues = sortedIndices.cpu().data<long>().ToArray();
                int width = (int)sortedScores.shape[1];
                for (int row = 0; row < queryRows; row++)
                {
                    var hits = new SearchHit[width];
                    for (int j = 0; j < width; j++)
                        hits[j] = new SearchHit((int)indexValues[row * width + j], scoreValues[row * width + j]);
                    results.Add(hits);
                }
            }
            finally
            {
                bestScores?.Dispose();
                bestIndices?.Dispose();
            }
        }
        return results;
    }

    private static (Tensor Scores, Tensor Indices) ChunkTopK(
        Tensor queryChunk, Tensor corpus, long corpusStart, long corpusRows, int topK, SearchSimilarity similarity)
    {
        Tensor corpusChunk = corpus.narrow(0, corpusStart, corpusRows);
        Tensor scores = queryChunk.matmul(corpusChunk.t());
        if (similarity == SearchSimilarity.Cosine)
        {
            // Dividing the score block by the corpus norms avoids a normalised copy of the corpus chunk.
            Tensor norms = linalg.vector_norm(corpusChunk, ord: 2, dims: [1]).clamp_min(NormEpsilon);
            scores = scores.div(norms.unsqueeze(0));
        }
        int k = (int)Math.Min(topK, corpusRows);
        var (values, positions) = scores.topk(k, dim: 1, largest: true, sorted: false);
        return (values, positions.add(corpusStart));
    }

    private static void Validate(
        Tensor queries, Tensor corpus, int topK, SearchSimilarity similarity, int queryChunkSize, int corpusChunkSize)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        if (queries.dim() != 2)
            throw new ArgumentException($"queries must be a 2-D [rows, dim] tensor, got {queries.dim()} dimensions", nameof(queries));
        if (corpus.dim() != 2)
            throw new ArgumentException($"corpus must be a 2-D [rows, dim] tensor, got {corpus.dim()} dimensions", nameof(corpus));
        if (queries.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"queries must be float32 or float64, got {queries.dtype}", nameof(queries));
        if (corpus.dtype != queries.dtype)
            throw new ArgumentException($"corpus dtype {corpus.dtype} differs from the queries' {queries.dtype}", nameof(corpus));
        if (corpus.shape[1] != queries.shape[1])
            throw new ArgumentException(
                $"corpus rows have dimension {corpus.shape[1]} but query rows have {queries.shape[1]}", nameof(corpus));
        if (corpus.shape[0] > int.MaxValue)
            throw new ArgumentException("corpus has more rows than an int index can hold", nameof(corpus));
        if (topK < 1)
            throw new ArgumentException($"topK must be >= 1, got {topK}", nameof(topK));
        if (queryChunkSize < 1)
            throw new ArgumentException($"queryChunkSize must be >= 1, got {queryChunkSize}", nameof(queryChunkSize));
        if (corpusChunkSize < 1)
            throw new ArgumentException($"corpusChunkSize must be >= 1, got {corpusChunkSize}", nameof(corpusChunkSize));
        if (!Enum.IsDefined(similarity))
            throw new ArgumentException($"unknown similarity {similarity}", nameof(similarity));
    }

    private static Tensor ToTensor(IReadOnlyList<float[]> rows, int dim, string name)
    {
        var flat = new float[(long)rows.Count * dim];
        for (int i = 0; i < rows.Count; i++)
        {
            float[] row = rows[i] ?? throw new ArgumentException($"{name}[{i}] is null", name);
            if (row.Length != dim)
                throw new ArgumentException($"{name}[{i}] has dimension {row.Length}, expected {dim}", name);
            Array.Copy(row, 0, flat, (long)i * dim, dim);
        }
        return tensor(flat, [rows.Count, dim]);
    }
}
