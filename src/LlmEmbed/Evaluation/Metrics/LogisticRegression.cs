namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// L2-regularised logistic regression as scikit-learn's <c>LogisticRegression()</c> defaults fit it (lbfgs, C = 1,
/// intercept fitted and not penalised, <c>multi_class='auto'</c>): one sigmoid logit for two classes, softmax for
/// three or more. The objective is the sum form F = Σ log-loss + ||W||²/(2C), minimised by <see cref="LbfgsMinimizer"/>
/// from zero.
/// </summary>
public static class LogisticRegression
{
    /// <summary>scikit-learn's default iteration cap, which MTEB keeps.</summary>
    public const int DefaultMaxIterations = 100;

    /// <param name="features">Training rows, all of one dimension.</param>
    /// <param name="labels">Class label per row; at least two distinct labels.</param>
    /// <param name="c">Inverse regularisation strength.</param>
    /// <param name="maxIterations">L-BFGS iteration cap.</param>
    /// <param name="gradientTolerance">Stop once max |∂F| is at most this.</param>
    public static LogisticRegressionModel Fit(
        IReadOnlyList<double[]> features, IReadOnlyList<int> labels, double c = 1.0,
        int maxIterations = DefaultMaxIterations, double gradientTolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        int n = features.Count;
        if (n == 0) throw new ArgumentException("no training rows", nameof(features));
        if (labels.Count != n) throw new ArgumentException($"{n} rows but {labels.Count} labels", nameof(labels));
        if (!(c > 0) || double.IsInfinity(c)) throw new ArgumentException($"C must be finite and > 0, got {c}", nameof(c));
        int dim = features[0]?.Length ?? throw new ArgumentException("row 0 is null", nameof(features));
        for (int i = 0; i < n; i++)
        {
            if (features[i] is null || features[i].Length != dim)
                throw new ArgumentException($"row {i} has dimension {features[i]?.Length.ToString() ?? "null"}, expected {dim}", nameof(features));
            foreach (double v in features[i])
                if (!double.IsFinite(v)) throw new ArgumentException($"row {i} contains a non-finite value", nameof(features));
        }
        int[] classes = labels.Distinct().Order().ToArray();
        if (classes.Length < 2)
            throw new ArgumentException($"logistic regression needs at least 2 classes in the training labels, got {classes.Length}", nameof(labels));
        var classIndex = new Dictionary<int, int>();
        for (int k = 0; k < classes.Length; k++) classIndex[classes[k]] = k;
        int[] y = labels.Select(l => classIndex[l]).ToArray();
        double[][] x = features as double[][] ?? features.ToArray();
        bool binary = classes.Length == 2;
        int rows = binary ? 1 : classes.Length;
        int parameterCount = rows * dim + rows;
        double inverseC = 1.0 / c;

        LbfgsMinimizer.Objective objective = binary
            ? (w, grad) => BinaryObjective(x, y, dim, inverseC, w, grad)
            : (w, grad) => MultinomialObjective(x, y, dim, rows, inverseC, w, grad);
        var result = LbfgsMinimizer.Minimize(objective, new double[parameterCount], maxIterations, gradientTolerance);

        var coefficients = new double[rows][];
        var intercepts = new double[rows];
        for (int k = 0; k < rows; k++)
        {
            coefficients[k] = result.Point.AsSpan(k * dim, dim).ToArray();
            intercepts[k] = result.Point[rows * dim + k];
        }
        if (!binary)
        {
            // The softmax is unchanged by a common shift of the intercepts; centre them so the model is unique.
            double mean = intercepts.Average();
            for (int k = 0; k < rows; k++) intercepts[k] -= mean;
        }
        return new LogisticRegressionModel(classes, coefficients, intercepts, result.Value, result.Iterations, result.Converged, result.GradientMaxAbs, result.Evaluations);
    }

    // F = Σ log(1 + exp(-s_i z_i)) + ||w||²/(2C), s_i = ±1, z_i = w·x_i + b.
    private static double BinaryObjective(double[][] x, int[] y, int dim, double inverseC, ReadOnlySpan<double> w, Span<double> grad)
    {
        grad.Clear();
        double b = w[dim];
        double loss = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double[] row = x[i];
            double z = b + VectorMath.Dot(w[..dim], row);
            double sign = y[i] == 1 ? 1.0 : -1.0;
            double margin = sign * z;
            // log(1 + exp(-m)) computed without overflow.
            loss += margin > 0 ? Math.Log(1 + Math.Exp(-margin)) : -margin + Math.Log(1 + Math.Exp(margin));
            double dz = -sign / (1 + Math.Exp(margin));
            VectorMath.Axpy(dz, row, grad[..dim]);
            grad[dim] += dz;
        }
        double penalty = 0;
        for (int j = 0; j < dim; j++)
        {
            penalty += w[j] * w[j];
            grad[j] += inverseC * w[j];
        }
        return loss + 0.5 * inverseC * penalty;
    }

    // F = Σ (logsumexp(z_i) - z_i[y_i]) + ||W||²/(2C), z_i = W x_i + b.
    private static double MultinomialObjective(double[][] x, int[] y, int dim, int classes, double inverseC, ReadOnlySpan<double> w, Span<double> grad)
    {
        grad.Clear();
        var z = new double[classes];
        double loss = 0;
        int interceptOffset = classes * dim;
        for (int i = 0; i < x.Length; i++)
        {
            double[] row = x[i];
            double max = double.NegativeInfinity;
            for (int k = 0; k < classes; k++)
            {
                double sum = w[interceptOffset + k] + VectorMath.Dot(w.Slice(k * dim, dim), row);
                z[k] = sum;
                if (sum > max) max = sum;
            }
            double trueLogit = z[y[i]];
            double total = 0;
            for (int k = 0; k < classes; k++) total += z[k] = Math.Exp(z[k] - max);
            // loss_i = log Σ exp(z) - z_y, with the maximum factored out; z now holds exp(z - max).
            loss += max + Math.Log(total) - trueLogit;
            for (int k = 0; k < classes; k++)
            {
                double dz = z[k] / total - (k == y[i] ? 1.0 : 0.0);
                VectorMath.Axpy(dz, row, grad.Slice(k * dim, dim));
                grad[interceptOffset + k] += dz;
            }
        }
        double penalty = 0;
        for (int j = 0; j < interceptOffset; j++)
        {
            penalty += w[j] * w[j];
            grad[j] += inverseC * w[j];
        }
        return loss + 0.5 * inverseC * penalty;
    }
}
