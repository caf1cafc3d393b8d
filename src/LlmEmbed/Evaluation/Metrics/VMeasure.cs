namespace LlmEmbed.Evaluation.Metrics;

/// <summary><c>sklearn.metrics.homogeneity_completeness_v_measure</c> for labels of any type.</summary>
public static class VMeasure
{
    /// <summary>
    /// h = MI/H(true) (1 when H(true) = 0), c = MI/H(pred) (1 when H(pred) = 0),
    /// v = (1 + beta)·h·c/(beta·h + c) (0 when h + c = 0); empty input gives 1, 1, 1.
    /// </summary>
    public static VMeasureResult Compute<TTrue, TPred>(IReadOnlyList<TTrue> labelsTrue, IReadOnlyList<TPred> labelsPred, double beta = 1.0)
        where TTrue : notnull where TPred : notnull
    {
        ArgumentNullException.ThrowIfNull(labelsTrue);
        ArgumentNullException.ThrowIfNull(labelsPred);
        if (labelsTrue.Count != labelsPred.Count)
            throw new ArgumentException($"labelsTrue has {labelsTrue.Count} entries but labelsPred has {labelsPred.Count}", nameof(labelsPred));
        if (!(beta >= 0) || double.IsInfinity(beta))
            throw new ArgumentException($"beta must be finite and >= 0, got {beta}", nameof(beta));
        int n = labelsTrue.Count;
        if (n == 0) return new VMeasureResult(1, 1, 1, 0, 0, 0);

        int[] t = Encode(labelsTrue, out int kt);
        int[] p = Encode(labelsPred, out int kp);
        var cells = new Dictionary<(int, int), int>();
        var rowSums = new double[kt];
        var colSums = new double[kp];
        for (int i = 0; i < n; i++)
        {
            cells[(t[i], p[i])] = cells.GetValueOrDefault((t[i], p[i])) + 1;
            rowSums[t[i]]++;
            colSums[p[i]]++;
        }
        double entropyTrue = Entropy(rowSums, n);
        double entropyPred = Entropy(colSums, n);
        // scikit-learn's mutual_info_score on the sparse contingency table.
        double logN = Math.Log(n);
        double mi = 0;
        foreach (var ((row, col), count) in cells)
        {
            double pij = count / (double)n;
            mi += pij * (Math.Log(count) - logN) + pij * (-Math.Log(rowSums[row] * colSums[col]) + 2 * logN);
        }
        mi = Math.Max(mi, 0.0);
        double h = entropyTrue > 0 ? mi / entropyTrue : 1.0;
        double c = entropyPred > 0 ? mi / entropyPred : 1.0;
        double v = h + c > 0 ? (1 + beta) * h * c / (beta * h + c) : 0.0;
        return new VMeasureResult(h, c, v, entropyTrue, entropyPred, mi);
    }

    /// <summary>The V-measure alone (beta = 1), MTEB's clustering main score.</summary>
    public static double Score<TTrue, TPred>(IReadOnlyList<TTrue> labelsTrue, IReadOnlyList<TPred> labelsPred)
        where TTrue : notnull where TPred : notnull => Compute(labelsTrue, labelsPred).VMeasure;

    private static double Entropy(double[] counts, int n)
    {
        if (counts.Length == 1) return 0.0;
        double logN = Math.Log(n), entropy = 0;
        foreach (double c in counts)
            if (c > 0) entropy -= c / n * (Math.Log(c) - logN);
        return entropy;
    }

    private static int[] Encode<T>(IReadOnlyList<T> labels, out int distinct) where T : notnull
    {
        var ids = new Dictionary<T, int>();
        var codes = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            T label = labels[i] ?? throw new ArgumentException($"label {i} is null", nameof(labels));
            if (!ids.TryGetValue(label, out int id)) ids[label] = id = ids.Count;
            codes[i] = id;
        }
        distinct = ids.Count;
        return codes;
    }
}
