namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// A fitted logistic-regression classifier in scikit-learn's layout: <see cref="Classes"/> sorted ascending;
/// binary models have one coefficient row (the logit of <c>Classes[1]</c>), multinomial models one row per class.
/// </summary>
public sealed class LogisticRegressionModel
{
    public IReadOnlyList<int> Classes { get; }
    /// <summary>[rows][features]: one row for binary models, one per class otherwise.</summary>
    public IReadOnlyList<double[]> Coefficients { get; }
    public IReadOnlyList<double> Intercepts { get; }
    /// <summary>The fitted objective: sum of log-losses + ||W||²/(2C).</summary>
    public double Objective { get; }
    public int Iterations { get; }
    public bool Converged { get; }
    public double GradientMaxAbs { get; }
    /// <summary>Objective evaluations the optimiser used.</summary>
    public int Evaluations { get; }
    public bool IsBinary => Classes.Count == 2;

    public LogisticRegressionModel(
        IReadOnlyList<int> classes, IReadOnlyList<double[]> coefficients, IReadOnlyList<double> intercepts,
        double objective, int iterations, bool converged, double gradientMaxAbs, int evaluations = 0)
    {
        Classes = classes.ToArray();
        Coefficients = coefficients.Select(r => (double[])r.Clone()).ToArray();
        Intercepts = intercepts.ToArray();
        Objective = objective;
        Iterations = iterations;
        Converged = converged;
        GradientMaxAbs = gradientMaxAbs;
        Evaluations = evaluations;
    }

    /// <summary>Decision values: one per row of <see cref="Coefficients"/>.</summary>
    public double[] DecisionFunction(ReadOnlySpan<double> features)
    {
        int dim = Coefficients[0].Length;
        if (features.Length != dim)
            throw new ArgumentException($"the model has {dim} features but the input has {features.Length}", nameof(features));
        var z = new double[Coefficients.Count];
        for (int k = 0; k < z.Length; k++)
        {
            double[] w = Coefficients[k];
            double sum = Intercepts[k];
            for (int j = 0; j < dim; j++) sum += w[j] * features[j];
            z[k] = sum;
        }
        return z;
    }

    /// <summary>The predicted class label (binary: <c>Classes[1]</c> when the logit is &gt; 0).</summary>
    public int Predict(ReadOnlySpan<double> features)
    {
        double[] z = DecisionFunction(features);
        if (IsBinary) return z[0] > 0 ? Classes[1] : Classes[0];
        int best = 0;
        for (int k = 1; k < z.Length; k++)
            if (z[k] > z[best]) best = k;
        return Classes[best];
    }

    /// <summary>Class probabilities in <see cref="Classes"/> order.</summary>
    public double[] PredictProbabilities(ReadOnlySpan<double> features)
    {
        double[] z = DecisionFunction(features);
        if (IsBinary)
        {
            double p = 1.0 / (1.0 + Math.Exp(-z[0]));
            return [1 - p, p];
        }
        double max = z.Max(), sum = 0;
        var p2 = new double[z.Length];
        for (int k = 0; k < z.Length; k++) sum += p2[k] = Math.Exp(z[k] - max);
        for (int k = 0; k < z.Length; k++) p2[k] /= sum;
        return p2;
    }

    public int[] Predict(IReadOnlyList<double[]> rows) => rows.Select(r => Predict(r)).ToArray();
}
