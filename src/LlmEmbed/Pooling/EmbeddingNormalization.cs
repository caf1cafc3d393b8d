using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>L2 normalisation of embeddings, kept apart from pooling so it can be switched off.</summary>
public static class EmbeddingNormalization
{
    /// <summary>Rows of [B, d] divided by their L2 norm (floored at 1e-12 like torch.nn.functional.normalize).</summary>
    public static Tensor L2(Tensor embeddings) => nn.functional.normalize(embeddings, p: 2, dim: -1, eps: 1e-12);

    /// <summary>Keeps the first <paramref name="dimensions"/> components and renormalises (Matryoshka-style truncation).</summary>
    public static float[] TruncateAndNormalize(ReadOnlySpan<float> vector, int dimensions)
    {
        if (dimensions <= 0 || dimensions > vector.Length)
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, $"dimensions must be in 1..{vector.Length}");
        var result = vector[..dimensions].ToArray();
        double norm = 0;
        foreach (var x in result) norm += (double)x * x;
        norm = Math.Max(Math.Sqrt(norm), 1e-12);
        for (int i = 0; i < result.Length; i++) result[i] = (float)(result[i] / norm);
        return result;
    }
}
