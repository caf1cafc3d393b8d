using LlmEmbed.Evaluation.Metrics;

namespace LlmEmbed.Evaluation.Lexical;

/// <summary>
/// Lloyd's k-means over sparse rows with dense centres (k-means++ seeding, seeded restarts, lowest inertia kept).
/// Used for the lexical references' clustering: their rows have a task-sized vocabulary as dimension, so the rows stay
/// sparse; full Lloyd is cheap there, so it is used at every size (the dense evaluator switches to mini-batch above
/// 2,000 rows).
/// </summary>
internal static class SparseKMeans
{
    public static int[] Fit(IReadOnlyList<SparseVector> rows, KMeansOptions options)
    {
        int n = rows.Count, k = options.Clusters;
        if (n == 0) throw new ArgumentException("no rows to cluster", nameof(rows));
        if (k < 1 || k > n) throw new ArgumentException($"cannot make {k} clusters of {n} rows", nameof(options));
        int dim = rows.Max(r => r.Indices.Length == 0 ? 0 : r.Indices[^1] + 1);
        var squaredNorms = rows.Select(r => r.Values.Sum(v => v * v)).ToArray();
        var random = new Random(options.Seed);
        int[]? best = null;
        double bestInertia = double.PositiveInfinity;
        for (int restart = 0; restart < Math.Max(1, options.Restarts); restart++)
        {
            var centers = Seed(rows, squaredNorms, k, dim, random);
            var assignments = new int[n];
            double inertia = double.PositiveInfinity;
            for (int iteration = 0; iteration < options.MaxIterations; iteration++)
            {
                bool changed = false;
                inertia = 0;
                var centerNorms = centers.Select(c => c.Sum(v => v * v)).ToArray();
                for (int i = 0; i < n; i++)
                {
                    int nearest = 0;
                    double nearestDistance = double.PositiveInfinity;
                    for (int c = 0; c < k; c++)
                    {
                        double d = squaredNorms[i] - 2 * Dot(rows[i], centers[c]) + centerNorms[c];
                        if (d < nearestDistance) { nearestDistance = d; nearest = c; }
                    }
                    if (iteration == 0 || assignments[i] != nearest) changed = true;
                    assignments[i] = nearest;
                    inertia += Math.Max(0, nearestDistance);
                }
                if (!changed) break;
                centers = Means(rows, assignments, centers, dim);
            }
            if (inertia < bestInertia)
            {
                bestInertia = inertia;
                best = assignments;
            }
        }
        return best!;
    }

    private static double Dot(SparseVector row, double[] center)
    {
        double sum = 0;
        for (int k = 0; k < row.Indices.Length; k++) sum += row.Values[k] * center[row.Indices[k]];
        return sum;
    }

    // k-means++: the first centre uniformly, each next one with probability proportional to the squared distance.
    private static double[][] Seed(IReadOnlyList<SparseVector> rows, double[] squaredNorms, int k, int dim, Random random)
    {
        int n = rows.Count;
        var centers = new double[k][];
        centers[0] = rows[random.Next(n)].ToDense(dim);
        var distance = new double[n];
        for (int c = 1; c < k; c++)
        {
            var previous = centers[c - 1];
            double previousNorm = previous.Sum(v => v * v);
            double total = 0;
            for (int i = 0; i < n; i++)
            {
                double d = Math.Max(0, squaredNorms[i] - 2 * Dot(rows[i], previous) + previousNorm);
                distance[i] = c == 1 ? d : Math.Min(distance[i], d);
                total += distance[i];
            }
            int chosen = n - 1;
            if (total > 0)
            {
                double target = random.NextDouble() * total, cumulative = 0;
                for (int i = 0; i < n; i++)
                {
                    cumulative += distance[i];
                    if (cumulative >= target) { chosen = i; break; }
                }
            }
            else chosen = random.Next(n);
            centers[c] = rows[chosen].ToDense(dim);
        }
        return centers;
    }

    // An empty cluster keeps its previous centre.
    private static double[][] Means(IReadOnlyList<SparseVector> rows, int[] assignments, double[][] previous, int dim)
    {
        int k = previous.Length;
        var sums = new double[k][];
        var counts = new int[k];
        for (int c = 0; c < k; c++) sums[c] = new double[dim];
        for (int i = 0; i < rows.Count; i++)
        {
            int c = assignments[i];
            counts[c]++;
            var row = rows[i];
            for (int j = 0; j < row.Indices.Length; j++) sums[c][row.Indices[j]] += row.Values[j];
        }
        for (int c = 0; c < k; c++)
        {
            if (counts[c] == 0) { sums[c] = previous[c]; continue; }
            for (int j = 0; j < dim; j++) sums[c][j] /= counts[c];
        }
        return sums;
    }
}
