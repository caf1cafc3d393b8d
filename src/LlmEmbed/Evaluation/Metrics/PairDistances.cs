namespace LlmEmbed.Evaluation.Metrics;

/// <summary>The per-pair similarities STS and pair classification score with, computed in double precision.</summary>
internal static class PairDistances
{
    /// <summary>
    /// Cosine as scikit-learn's paired_cosine_distances (1 - |a/|a| - b/|b||^2 / 2), as MTEB v1 uses it — a zero-norm
    /// row is left unscaled there, which yields 0.5 against any non-zero row, and we keep that — plus the dot product
    /// and the Manhattan and Euclidean distances.
    /// </summary>
    public static (double Cosine, double Dot, double Manhattan, double Euclidean) Compute(double[] a, double[] b)
    {
        double normA = 0, normB = 0, dot = 0, manhattan = 0, squared = 0;
        for (int j = 0; j < a.Length; j++)
        {
            normA += a[j] * a[j];
            normB += b[j] * b[j];
            dot += a[j] * b[j];
            double d = a[j] - b[j];
            manhattan += Math.Abs(d);
            squared += d * d;
        }
        double lengthA = normA > 0 ? Math.Sqrt(normA) : 1;
        double lengthB = normB > 0 ? Math.Sqrt(normB) : 1;
        double unitDistance = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double d = a[j] / lengthA - b[j] / lengthB;
            unitDistance += d * d;
        }
        return (1 - unitDistance / 2, dot, manhattan, Math.Sqrt(squared));
    }
}
