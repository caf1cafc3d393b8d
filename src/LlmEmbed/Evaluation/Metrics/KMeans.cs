namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// k-means with scikit-learn's greedy k-means++ initialisation: Lloyd iterations (<see cref="Fit"/>) or the
/// mini-batch variant for large sets (<see cref="FitMiniBatch"/>); the best of several seeded restarts is kept.
/// </summary>
public static class KMeans
{
    /// <summary>Lloyd's algorithm from k-means++ seeds, best inertia over <see cref="KMeansOptions.Restarts"/>.</summary>
    public static KMeansResult Fit(IReadOnlyList<double[]> rows, KMeansOptions options)
    {
        double[][] x = Validate(rows, options);
        var random = new Random(options.Seed);
        double tolerance = options.Tolerance * MeanVariance(x);
        KMeansResult? best = null;
        for (int restart = 0; restart < options.Restarts; restart++)
        {
            double[][] centers = PlusPlusInit(x, options.Clusters, random);
            var assignments = new int[x.Length];
            int iteration = 0;
            while (iteration < options.MaxIterations)
            {
                iteration++;
                Assign(x, centers, assignments);
                double[][] updated = Means(x, assignments, centers, random);
                double shift = 0;
                for (int k = 0; k < centers.Length; k++) shift += SquaredDistance(centers[k], updated[k]);
                centers = updated;
                if (shift <= tolerance) break;
            }
            double inertia = Assign(x, centers, assignments);
            if (best is null || inertia < best.Inertia)
                best = new KMeansResult(assignments, centers, inertia, iteration);
        }
        return best!;
    }

    /// <summary>
    /// Mini-batch k-means (Sculley 2010, as scikit-learn's <c>MiniBatchKMeans</c>): each step assigns a random batch
    /// and moves every centre towards its batch mean with a per-centre learning rate 1/count; stops after
    /// <see cref="KMeansOptions.MaxIterations"/> epochs or when the smoothed batch inertia has not improved for 10
    /// steps. The centres are then replaced by the exact means of the full assignment (one Lloyd update). Restarts are
    /// compared on the inertia over all rows.
    /// </summary>
    public static KMeansResult FitMiniBatch(IReadOnlyList<double[]> rows, KMeansOptions options)
    {
        double[][] x = Validate(rows, options);
        if (options.BatchSize < 1) throw new ArgumentException($"BatchSize must be >= 1, got {options.BatchSize}", nameof(options));
        var random = new Random(options.Seed);
        int n = x.Length, dim = x[0].Length, k = options.Clusters;
        int batch = Math.Min(options.BatchSize, n);
        long steps = (long)options.MaxIterations * ((n + batch - 1) / batch);
        KMeansResult? best = null;
        for (int restart = 0; restart < options.Restarts; restart++)
        {
            // k-means++ on a random subsample of 3·batch rows (scikit-learn's init_size), at least k rows.
            int initSize = Math.Min(n, Math.Max(3 * batch, k));
            double[][] sample = SampleRows(x, initSize, random);
            double[][] centers = PlusPlusInit(sample, k, random);
            var counts = new double[k];
            var batchAssign = new int[batch];
            var batchRows = new double[batch][];
            double smoothed = double.NaN, bestSmoothed = double.PositiveInfinity;
            int noImprovement = 0;
            long step = 0;
            for (; step < steps; step++)
            {
                for (int i = 0; i < batch; i++) batchRows[i] = x[random.Next(n)];
                double batchInertia = Assign(batchRows, centers, batchAssign) / batch;
                var sums = new double[k][];
                var batchCounts = new int[k];
                for (int i = 0; i < batch; i++)
                {
                    int c = batchAssign[i];
                    sums[c] ??= new double[dim];
                    batchCounts[c]++;
                    double[] row = batchRows[i];
                    for (int j = 0; j < dim; j++) sums[c][j] += row[j];
                }
                for (int c = 0; c < k; c++)
                {
                    if (batchCounts[c] == 0) continue;
                    double total = counts[c] + batchCounts[c];
                    for (int j = 0; j < dim; j++)
                        centers[c][j] = (centers[c][j] * counts[c] + sums[c]![j]) / total;
                    counts[c] = total;
                }
                // Early stopping on an exponentially weighted average of the batch inertia.
                double alpha = Math.Min(1.0, 2.0 * batch / (n + 1));
                smoothed = double.IsNaN(smoothed) ? batchInertia : smoothed * (1 - alpha) + batchInertia * alpha;
                if (smoothed < bestSmoothed) { bestSmoothed = smoothed; noImprovement = 0; }
                else if (++noImprovement >= 10) break;
            }
            // Running averages only approximate the cluster means; one full assignment and exact-mean update makes
            // the centres the means of the final partition (the partition's own optimum) and can only lower inertia.
            var assignments = new int[n];
            Assign(x, centers, assignments);
            centers = Means(x, assignments, centers, random);
            double inertia = Assign(x, centers, assignments);
            if (best is null || inertia < best.Inertia)
                best = new KMeansResult(assignments, centers, inertia, (int)Math.Min(step + 1, int.MaxValue));
        }
        return best!;
    }

    /// <summary>Sum of squared distances of each row to its assigned centre.</summary>
    public static double Inertia(IReadOnlyList<double[]> rows, IReadOnlyList<int> assignments, IReadOnlyList<double[]> centers)
    {
        double sum = 0;
        for (int i = 0; i < rows.Count; i++) sum += SquaredDistance(rows[i], centers[assignments[i]]);
        return sum;
    }

    // Greedy k-means++ (scikit-learn): each new centre is the best of 2 + ln k candidates drawn proportionally to
    // the squared distance to the nearest chosen centre, "best" meaning the lowest resulting potential.
    private static double[][] PlusPlusInit(double[][] x, int k, Random random)
    {
        int n = x.Length;
        int trials = 2 + (int)Math.Log(k);
        var centers = new double[k][];
        centers[0] = (double[])x[random.Next(n)].Clone();
        var closest = new double[n];
        double potential = 0;
        for (int i = 0; i < n; i++) potential += closest[i] = SquaredDistance(x[i], centers[0]);
        var candidateDistances = new double[n];
        var bestDistances = new double[n];
        for (int c = 1; c < k; c++)
        {
            int bestCandidate = -1;
            double bestPotential = double.PositiveInfinity;
            for (int t = 0; t < trials; t++)
            {
                int candidate = SampleProportional(closest, potential, random);
                double candidatePotential = 0;
                for (int i = 0; i < n; i++)
                    candidatePotential += candidateDistances[i] = Math.Min(closest[i], SquaredDistance(x[i], x[candidate]));
                if (candidatePotential < bestPotential)
                {
                    bestPotential = candidatePotential;
                    bestCandidate = candidate;
                    Array.Copy(candidateDistances, bestDistances, n);
                }
            }
            centers[c] = (double[])x[bestCandidate].Clone();
            Array.Copy(bestDistances, closest, n);
            potential = bestPotential;
        }
        return centers;
    }

    private static int SampleProportional(double[] weights, double total, Random random)
    {
        if (!(total > 0)) return random.Next(weights.Length);
        double target = random.NextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            cumulative += weights[i];
            if (cumulative > target) return i;
        }
        for (int i = weights.Length - 1; i >= 0; i--)
            if (weights[i] > 0) return i;
        return weights.Length - 1;
    }

    private static double Assign(double[][] x, double[][] centers, int[] assignments)
    {
        double inertia = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int best = 0;
            double bestDistance = double.PositiveInfinity;
            for (int c = 0; c < centers.Length; c++)
            {
                double d = SquaredDistance(x[i], centers[c]);
                if (d < bestDistance) { bestDistance = d; best = c; }
            }
            assignments[i] = best;
            inertia += bestDistance;
        }
        return inertia;
    }

    // Cluster means; an empty cluster takes the row farthest from its current centre (as scikit-learn relocates).
    private static double[][] Means(double[][] x, int[] assignments, double[][] previous, Random random)
    {
        int k = previous.Length, dim = x[0].Length;
        var sums = new double[k][];
        var counts = new int[k];
        for (int c = 0; c < k; c++) sums[c] = new double[dim];
        for (int i = 0; i < x.Length; i++)
        {
            int c = assignments[i];
            counts[c]++;
            for (int j = 0; j < dim; j++) sums[c][j] += x[i][j];
        }
        for (int c = 0; c < k; c++)
        {
            if (counts[c] > 0)
            {
                for (int j = 0; j < dim; j++) sums[c][j] /= counts[c];
                continue;
            }
            int farthest = 0;
            double farthestDistance = -1;
            for (int i = 0; i < x.Length; i++)
            {
                double d = SquaredDistance(x[i], previous[assignments[i]]);
                if (d > farthestDistance) { farthestDistance = d; farthest = i; }
            }
            sums[c] = (double[])x[farthest].Clone();
            assignments[farthest] = c;
        }
        return sums;
    }

    private static double[][] SampleRows(double[][] x, int count, Random random)
    {
        if (count >= x.Length) return x;
        var indices = Enumerable.Range(0, x.Length).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, indices.Length);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices.Take(count).Select(i => x[i]).ToArray();
    }

    private static double MeanVariance(double[][] x)
    {
        int n = x.Length, dim = x[0].Length;
        double total = 0;
        for (int j = 0; j < dim; j++)
        {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += x[i][j];
            mean /= n;
            double variance = 0;
            for (int i = 0; i < n; i++) variance += (x[i][j] - mean) * (x[i][j] - mean);
            total += variance / n;
        }
        return total / dim;
    }

    internal static double SquaredDistance(double[] a, double[] b)
    {
        int j = 0;
        double sum = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && a.Length >= 2 * System.Numerics.Vector<double>.Count)
        {
            var va = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(a);
            var vb = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(b);
            var acc = System.Numerics.Vector<double>.Zero;
            for (int v = 0; v < va.Length; v++)
            {
                var d = va[v] - vb[v];
                acc += d * d;
            }
            sum = System.Numerics.Vector.Sum(acc);
            j = va.Length * System.Numerics.Vector<double>.Count;
        }
        for (; j < a.Length; j++)
        {
            double d = a[j] - b[j];
            sum += d * d;
        }
        return sum;
    }

    private static double[][] Validate(IReadOnlyList<double[]> rows, KMeansOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        if (rows.Count == 0) throw new ArgumentException("k-means needs at least one row", nameof(rows));
        if (options.Clusters < 1 || options.Clusters > rows.Count)
            throw new ArgumentException($"Clusters must be between 1 and the number of rows ({rows.Count}), got {options.Clusters}", nameof(options));
        if (options.Restarts < 1) throw new ArgumentException($"Restarts must be >= 1, got {options.Restarts}", nameof(options));
        if (options.MaxIterations < 1) throw new ArgumentException($"MaxIterations must be >= 1, got {options.MaxIterations}", nameof(options));
        int dim = rows[0]?.Length ?? throw new ArgumentException("row 0 is null", nameof(rows));
        for (int i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null || rows[i].Length != dim)
                throw new ArgumentException($"row {i} has dimension {rows[i]?.Length.ToString() ?? "null"}, expected {dim}", nameof(rows));
            foreach (double v in rows[i])
                if (!double.IsFinite(v)) throw new ArgumentException($"row {i} contains a non-finite value", nameof(rows));
        }
        return rows as double[][] ?? rows.ToArray();
    }
}
