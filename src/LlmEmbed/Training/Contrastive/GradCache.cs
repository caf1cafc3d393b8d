using LlmEmbed.Embedding;
using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// Computes the contrastive loss of a batch and accumulates its gradient into the encoder's parameters, encoding
/// the texts in chunks of <see cref="ChunkSize"/> so that the batch — and with it the number of in-batch negatives —
/// can be larger than what fits in memory with the graph kept (GradCache, Gao et al. 2021).
/// </summary>
/// <remarks>
/// With <see cref="CacheGradients"/> on: (1) every chunk is encoded without a graph; (2) the loss is computed on the
/// detached representations and differentiated with respect to them only; (3) each chunk is encoded again with the
/// graph and backpropagated with its cached representation gradient (<c>sum(rep × grad)</c>). By the chain rule
/// the parameter gradient equals that of the direct computation, in which all chunks are encoded with the graph,
/// concatenated and backpropagated at once (<see cref="CacheGradients"/> off). Dropout masks must match between the two
/// encodings of a chunk: before each chunk the global generators (CPU and CUDA) are reseeded with a value derived
/// from (batch seed, side, chunk index) — TorchSharp can read/write only the CPU generator's state, while
/// <c>torch.manual_seed</c> also reaches CUDA. The same reseeding makes the masks a pure function of the step, which
/// is what lets a resumed run reproduce an uninterrupted one. The caller's CPU generator state is restored afterwards.
/// Note that the chunk size changes which dropout mask each text gets (not the expected gradient), so runs compared
/// bit for bit must use the same chunk size.
/// </remarks>
public sealed class GradCache
{
    public GradCache(IContrastiveEncoder encoder, InfoNceLoss loss, int chunkSize, bool cacheGradients = true)
    {
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunk size must be >= 1");
        Encoder = encoder;
        Loss = loss;
        ChunkSize = chunkSize;
        CacheGradients = cacheGradients;
    }

    public IContrastiveEncoder Encoder { get; }
    public InfoNceLoss Loss { get; }
    public int ChunkSize { get; }
    public bool CacheGradients { get; }

    /// <summary>
    /// The loss of <paramref name="batch"/>; its gradient × <paramref name="gradientScale"/> is added to the parameters'
    /// <c>.grad</c> (so micro-batches of gradient accumulation pass 1/k). <paramref name="batchSeed"/> fixes dropout.
    /// When <paramref name="checkLoss"/> rejects the loss value nothing is backpropagated.
    /// </summary>
    public double Accumulate(IReadOnlyList<ContrastiveExample> batch, long batchSeed, double gradientScale = 1.0, Func<double, bool>? checkLoss = null)
    {
        if (batch.Count == 0) throw new ArgumentException("empty batch", nameof(batch));
        var queries = batch.Select(r => r.Query).ToArray();
        var instructions = batch.Select(r => r.Instruction).ToArray();
        var documents = batch.Select(r => r.Positive).Concat(batch.Where(r => r.Negative != null).Select(r => r.Negative!)).ToArray();
        int n = batch.Count;

        using var savedRng = random.get_rng_state();
        try
        {
            using var scope = NewDisposeScope();
            if (!CacheGradients)
            {
                var q = EncodeAll(queries, TextRole.Query, instructions, batchSeed, 0);
                var d = EncodeAll(documents, TextRole.Document, null, batchSeed, 1);
                var loss = ComputeLoss(q, d, n, documents);
                double value = loss.item<float>();
                if (checkLoss != null && !checkLoss(value)) return value;
                (gradientScale == 1.0 ? loss : loss.mul(gradientScale)).backward();
                return value;
            }

            Tensor qReps, dReps;
            using (no_grad())
            {
                qReps = EncodeAll(queries, TextRole.Query, instructions, batchSeed, 0).to(ScalarType.Float32).detach().requires_grad_(true);
                dReps = EncodeAll(documents, TextRole.Document, null, batchSeed, 1).to(ScalarType.Float32).detach().requires_grad_(true);
            }
            var cachedLoss = ComputeLoss(qReps, dReps, n, documents);
            double cachedValue = cachedLoss.item<float>();
            if (checkLoss != null && !checkLoss(cachedValue)) return cachedValue;
            var grads = autograd.grad([cachedLoss], [qReps, dReps]);
            var qGrad = grads[0].mul(gradientScale);
            var dGrad = grads[1].mul(gradientScale);
            BackwardChunks(queries, TextRole.Query, instructions, batchSeed, 0, qGrad);
            BackwardChunks(documents, TextRole.Document, null, batchSeed, 1, dGrad);
            return cachedValue;
        }
        finally
        {
            random.set_rng_state(savedRng);
        }
    }

    private Tensor ComputeLoss(Tensor q, Tensor d, int n, IReadOnlyList<string> documents)
    {
        var positives = d.narrow(0, 0, n);
        Tensor? negatives = d.shape[0] > n ? d.narrow(0, n, d.shape[0] - n) : null;
        return Loss.Compute(q, positives, negatives, documents);
    }

    /// <summary>All texts of one side, chunk by chunk (each chunk under its own seed), concatenated.</summary>
    private Tensor EncodeAll(string[] texts, TextRole role, string?[]? instructions, long batchSeed, int side)
    {
        var parts = new List<Tensor>();
        for (int start = 0, chunk = 0; start < texts.Length; start += ChunkSize, chunk++)
            parts.Add(EncodeChunk(texts, role, instructions, batchSeed, side, start, chunk));
        return parts.Count == 1 ? parts[0] : cat(parts, dim: 0);
    }

    private void BackwardChunks(string[] texts, TextRole role, string?[]? instructions, long batchSeed, int side, Tensor grad)
    {
        for (int start = 0, chunk = 0; start < texts.Length; start += ChunkSize, chunk++)
        {
            using var scope = NewDisposeScope();
            var reps = EncodeChunk(texts, role, instructions, batchSeed, side, start, chunk);
            int count = Math.Min(ChunkSize, texts.Length - start);
            var surrogate = reps.to(ScalarType.Float32).mul(grad.narrow(0, start, count)).sum();
            surrogate.backward();
        }
    }

    private Tensor EncodeChunk(string[] texts, TextRole role, string?[]? instructions, long batchSeed, int side, int start, int chunk)
    {
        int count = Math.Min(ChunkSize, texts.Length - start);
        manual_seed(ChunkSeed(batchSeed, side, chunk));
        var reps = Encoder.Encode(new ArraySegment<string>(texts, start, count), role, instructions is null ? (IReadOnlyList<string?>?)null : new ArraySegment<string?>(instructions, start, count));
        if (reps.dim() != 2 || reps.shape[0] != count)
            throw new InvalidOperationException($"the encoder returned [{string.Join(", ", reps.shape)}] for {count} texts; expected [{count}, d]");
        return reps;
    }

    /// <summary>The generator seed of one chunk: a pure function of (batch seed, side, chunk index), kept non-negative.</summary>
    public static long ChunkSeed(long batchSeed, int side, int chunk) =>
        ContrastiveDataMixture.Mix(batchSeed, side + 1, chunk + 1) & long.MaxValue;
}
