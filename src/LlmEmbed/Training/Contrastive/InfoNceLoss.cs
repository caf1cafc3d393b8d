using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// InfoNCE with in-batch negatives and hard negatives — the study's (LLM2Vec's) HardNegativeNLLLoss:
/// scores = cos(q_i, d_j) × scale over the documents d = [positives (n); hard negatives present (m)], and the loss
/// is the mean cross-entropy of row i against column i. Scale 20 is temperature 0.05.
/// </summary>
/// <remarks>
/// Options: <see cref="Symmetric"/> adds the document→query term (each positive against all queries, label its
/// own query) and averages the two directions. <see cref="MaskDuplicatePositives"/> removes from row i every
/// candidate other than its own positive whose text equals positive i (a duplicate row's positive, or a hard
/// negative that is the same text), since treating it as a negative would push identical texts apart; in the
/// symmetric term, query k is masked for positive j when positive k equals positive j. Computed in float32.
/// <see cref="MatryoshkaDims"/> (Matryoshka representation learning, as sentence-transformers' MatryoshkaLoss with equal
/// weights): the loss is the full-size loss plus the same loss on each listed prefix of the vectors, re-normalised.
/// </remarks>
public sealed class InfoNceLoss
{
    public InfoNceLoss(double scale = 20.0, bool symmetric = false, bool maskDuplicatePositives = true, IReadOnlyList<int>? matryoshkaDims = null)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be a positive number");
        if (matryoshkaDims is not null) Embedding.MatryoshkaDimensions.Validate(matryoshkaDims);
        Scale = scale;
        Symmetric = symmetric;
        MaskDuplicatePositives = maskDuplicatePositives;
        MatryoshkaDims = matryoshkaDims;
    }

    /// <summary>Prefix sizes trained besides the full size (null: the full size only).</summary>
    public IReadOnlyList<int>? MatryoshkaDims { get; }

    public double Scale { get; }
    public bool Symmetric { get; }
    public bool MaskDuplicatePositives { get; }

    /// <summary>
    /// The loss (a float32 scalar) for query representations [n, d], positive representations [n, d] and hard
    /// negative representations [m, d] (m may be 0). <paramref name="documentTexts"/> (the n positive texts then the
    /// m negative texts) is needed for <see cref="MaskDuplicatePositives"/>; pass null to mask nothing.
    /// </summary>
    public Tensor Compute(Tensor queries, Tensor positives, Tensor? negatives, IReadOnlyList<string>? documentTexts = null)
    {
        long n = queries.shape[0];
        if (queries.dim() != 2 || positives.dim() != 2 || positives.shape[0] != n || positives.shape[1] != queries.shape[1])
            throw new ArgumentException($"queries [{string.Join(", ", queries.shape)}] and positives [{string.Join(", ", positives.shape)}] must both be [n, d]");
        if (negatives is not null && (negatives.dim() != 2 || negatives.shape[1] != queries.shape[1]))
            throw new ArgumentException($"negatives [{string.Join(", ", negatives.shape)}] must be [m, {queries.shape[1]}]");
        long m = negatives?.shape[0] ?? 0;
        if (documentTexts != null && documentTexts.Count != n + m)
            throw new ArgumentException($"documentTexts has {documentTexts.Count} entries, expected {n + m} (positives then negatives)");
        if (n == 0) throw new ArgumentException("an empty batch has no loss");
        if (MatryoshkaDims is null) return FullLoss(queries, positives, negatives, documentTexts);
        long dim = queries.shape[1];
        if (MatryoshkaDims[^1] > dim) throw new ArgumentException($"matryoshka dimension {MatryoshkaDims[^1]} exceeds the embedding size {dim}");
        using var scope = NewDisposeScope();
        var total = FullLoss(queries, positives, negatives, documentTexts);
        foreach (int k in MatryoshkaDims.Where(k => k < dim))
            total = total.add(FullLoss(queries.narrow(1, 0, k), positives.narrow(1, 0, k), negatives?.narrow(1, 0, k), documentTexts));
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>The loss at the vectors' whole width (which for a Matryoshka term is a prefix; normalising re-normalises it).</summary>
    private Tensor FullLoss(Tensor queries, Tensor positives, Tensor? negatives, IReadOnlyList<string>? documentTexts)
    {
        long n = queries.shape[0];
        long m = negatives?.shape[0] ?? 0;
        using var scope = NewDisposeScope();
        var q = nn.functional.normalize(queries.to(ScalarType.Float32), p: 2, dim: 1);
        var docs = m > 0 ? cat([positives.to(ScalarType.Float32), negatives!.to(ScalarType.Float32)], dim: 0) : positives.to(ScalarType.Float32);
        var d = nn.functional.normalize(docs, p: 2, dim: 1);
        var scores = matmul(q, d.t()).mul(Scale);
        var labels = arange(n, dtype: ScalarType.Int64, device: queries.device);
        Tensor? mask = MaskDuplicatePositives && documentTexts != null ? DuplicateMask(documentTexts, (int)n, queries.device) : null;
        if (mask is not null) scores = scores.masked_fill(mask, double.NegativeInfinity);
        var loss = nn.functional.cross_entropy(scores, labels);
        if (Symmetric)
        {
            var reverse = scores.narrow(1, 0, n).t();
            loss = loss.add(nn.functional.cross_entropy(reverse, labels)).div(2);
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>[n, n+m] true where column j ≠ i holds the same text as positive i.</summary>
    private static Tensor DuplicateMask(IReadOnlyList<string> documentTexts, int n, Device device)
    {
        int columns = documentTexts.Count;
        var mask = new bool[n * columns];
        bool any = false;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < columns; j++)
                if (j != i && string.Equals(documentTexts[j], documentTexts[i], StringComparison.Ordinal))
                    any = mask[i * columns + j] = true;
        return tensor(any ? mask : new bool[n * columns], device: device).view(n, columns);
    }
}
