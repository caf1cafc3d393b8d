namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// A sparse vector: strictly increasing feature indices and their values. Lexical representations (TF-IDF over a
/// task's vocabulary) have tens of thousands of dimensions with a few dozen non-zeros per text, so they never go dense.
/// </summary>
public sealed class SparseVector
{
    public SparseVector(int[] indices, double[] values)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        if (indices.Length != values.Length)
            throw new ArgumentException($"{indices.Length} indices but {values.Length} values", nameof(values));
        for (int i = 1; i < indices.Length; i++)
            if (indices[i] <= indices[i - 1])
                throw new ArgumentException($"indices must be strictly increasing (position {i}: {indices[i - 1]} then {indices[i]})", nameof(indices));
        Indices = indices;
        Values = values;
    }

    public static SparseVector Empty { get; } = new([], []);

    public int[] Indices { get; }
    public double[] Values { get; }
    public int NonZeroCount => Indices.Length;

    public double Norm()
    {
        double sum = 0;
        foreach (double v in Values) sum += v * v;
        return Math.Sqrt(sum);
    }

    public double Dot(SparseVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        double sum = 0;
        int i = 0, j = 0;
        while (i < Indices.Length && j < other.Indices.Length)
        {
            int a = Indices[i], b = other.Indices[j];
            if (a == b) sum += Values[i++] * other.Values[j++];
            else if (a < b) i++;
            else j++;
        }
        return sum;
    }

    /// <summary>
    /// Cosine, dot, Manhattan and Euclidean distance of two vectors, with the same conventions as the dense pair
    /// scores (scikit-learn's paired cosine: a zero vector is left unscaled, giving 0.5 against a non-zero one).
    /// </summary>
    public static (double Cosine, double Dot, double Manhattan, double Euclidean) PairScores(SparseVector a, SparseVector b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double normA = a.Norm(), normB = b.Norm();
        double lengthA = normA > 0 ? normA : 1, lengthB = normB > 0 ? normB : 1;
        double dot = 0, manhattan = 0, squared = 0, unitSquared = 0;
        int i = 0, j = 0;
        while (i < a.Indices.Length || j < b.Indices.Length)
        {
            double x, y;
            if (j >= b.Indices.Length || (i < a.Indices.Length && a.Indices[i] < b.Indices[j])) { x = a.Values[i++]; y = 0; }
            else if (i >= a.Indices.Length || b.Indices[j] < a.Indices[i]) { x = 0; y = b.Values[j++]; }
            else { x = a.Values[i++]; y = b.Values[j++]; }
            dot += x * y;
            double d = x - y;
            manhattan += Math.Abs(d);
            squared += d * d;
            double u = x / lengthA - y / lengthB;
            unitSquared += u * u;
        }
        return (1 - unitSquared / 2, dot, manhattan, Math.Sqrt(squared));
    }

    /// <summary>The dense row over the first <paramref name="dimension"/> features, keeping only those in <paramref name="featureMap"/> when given.</summary>
    public double[] ToDense(int dimension, IReadOnlyDictionary<int, int>? featureMap = null)
    {
        var row = new double[dimension];
        for (int k = 0; k < Indices.Length; k++)
        {
            if (featureMap is null) row[Indices[k]] = Values[k];
            else if (featureMap.TryGetValue(Indices[k], out int column)) row[column] = Values[k];
        }
        return row;
    }
}
