using LlmEmbed.Embedding;
using LlmEmbed.Training;
using static TorchSharp.torch;

namespace LlmEmbed.Bench;

/// <summary>
/// A simulated contrastive training step: embed queries and positives, InfoNCE over the in-batch similarity matrix,
/// backward, AdamW. <see cref="Direct"/> keeps the whole batch's activations; <see cref="Chunked"/> is the GradCache
/// pattern (embed everything without autograd, take the loss's gradient w.r.t. the embeddings, then re-run each chunk
/// with autograd and back-propagate that cached gradient), so activations live for one chunk at a time.
/// </summary>
/// <remarks>
/// Local to the bench because the library's GradCache is not on main yet. It does not replay LoRA-dropout RNG between
/// the two passes (the library class must; for timing and memory it makes no difference).
/// </remarks>
internal static class ContrastiveStep
{
    public const double Temperature = 0.05, LearningRate = 1e-4;

    public static double Direct(EmbeddingModel model, AdamW optimizer, TokenizedBatch queries, TokenizedBatch positives)
    {
        using var scope = NewDisposeScope();
        model.Train();
        optimizer.ZeroGrad();
        var q = model.Forward(queries);
        var p = model.Forward(positives);
        var loss = InfoNce(q, p);
        loss.backward();
        optimizer.StepWith(LearningRate);
        return loss.item<float>();
    }

    public static double Chunked(EmbeddingModel model, AdamW optimizer, TokenizedBatch queries, TokenizedBatch positives, int chunkSize)
    {
        using var scope = NewDisposeScope();
        model.Train();
        optimizer.ZeroGrad();
        Tensor q, p;
        using (no_grad())
        {
            q = EmbedInChunks(model, queries, chunkSize).requires_grad_(true);
            p = EmbedInChunks(model, positives, chunkSize).requires_grad_(true);
        }
        var loss = InfoNce(q, p);
        loss.backward();
        BackwardInChunks(model, queries, q.grad!, chunkSize);
        BackwardInChunks(model, positives, p.grad!, chunkSize);
        optimizer.StepWith(LearningRate);
        return loss.item<float>();
    }

    /// <summary>Cross-entropy of each query against all positives (its own is the label), scaled by 1/τ.</summary>
    public static Tensor InfoNce(Tensor queries, Tensor positives)
    {
        var scores = queries.matmul(positives.t()).div(Temperature);
        var labels = arange(queries.shape[0], dtype: ScalarType.Int64, device: queries.device);
        return nn.functional.cross_entropy(scores, labels);
    }

    private static Tensor EmbedInChunks(EmbeddingModel model, TokenizedBatch batch, int chunkSize)
    {
        var parts = new List<Tensor>();
        long n = batch.InputIds.shape[0];
        for (long start = 0; start < n; start += chunkSize)
        {
            long rows = Math.Min(chunkSize, n - start);
            parts.Add(model.Forward(batch.InputIds.narrow(0, start, rows), batch.AttentionMask.narrow(0, start, rows), batch.PoolingMask.narrow(0, start, rows)));
        }
        return cat(parts, 0);
    }

    private static void BackwardInChunks(EmbeddingModel model, TokenizedBatch batch, Tensor embeddingGrad, int chunkSize)
    {
        long n = batch.InputIds.shape[0];
        for (long start = 0; start < n; start += chunkSize)
        {
            using var scope = NewDisposeScope();
            long rows = Math.Min(chunkSize, n - start);
            var e = model.Forward(batch.InputIds.narrow(0, start, rows), batch.AttentionMask.narrow(0, start, rows), batch.PoolingMask.narrow(0, start, rows));
            e.mul(embeddingGrad.narrow(0, start, rows)).sum().backward();
        }
    }

    /// <summary>A batch of random token ids of one length (no padding), ending in EOS as embedding inputs do.</summary>
    public static TokenizedBatch RandomBatch(EmbeddingModel model, int batch, int tokens, int seed)
    {
        var gen = new Generator((ulong)seed);
        var ids = randint(0, model.Backbone.Config.VocabSize, [batch, tokens], generator: gen);
        ids[TensorIndex.Colon, TensorIndex.Single(tokens - 1)] = tensor((long)model.PadId);
        var mask = ones([batch, tokens], dtype: ScalarType.Int64);
        return new TokenizedBatch(ids, mask, mask.clone());
    }
}
