namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, algorithm 7.4/7.5) with a strong-Wolfe line search, for smooth
/// unconstrained problems such as the L2-regularised logistic-regression objective.
/// </summary>
public static class LbfgsMinimizer
{
    /// <summary>The objective: writes the gradient at <c>x</c> into <c>gradient</c> and returns the value.</summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>Minimises <paramref name="objective"/> from <paramref name="start"/>.</summary>
    /// <param name="maxIterations">Upper bound on iterations (outer L-BFGS steps).</param>
    /// <param name="gradientTolerance">Stop once max |gradient| is at most this (scipy's <c>pgtol</c>).</param>
    /// <param name="memory">Number of correction pairs kept.</param>
    public static LbfgsResult Minimize(
        Objective objective, double[] start, int maxIterations = 100, double gradientTolerance = 1e-6, int memory = 10)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(start);
        if (maxIterations < 0) throw new ArgumentException($"maxIterations must be >= 0, got {maxIterations}", nameof(maxIterations));
        if (memory < 1) throw new ArgumentException($"memory must be >= 1, got {memory}", nameof(memory));
        int n = start.Length;
        var x = (double[])start.Clone();
        var g = new double[n];
        int evaluations = 0;
        Objective original = objective;
        objective = (point, gradient) => { evaluations++; return original(point, gradient); };
        double f = objective(x, g);
        if (!double.IsFinite(f)) throw new ArgumentException($"the objective is not finite at the start point ({f})", nameof(start));
        var s = new List<double[]>(memory);
        var y = new List<double[]>(memory);
        var rho = new List<double>(memory);
        var direction = new double[n];
        var alpha = new double[memory];
        var xNew = new double[n];
        var gNew = new double[n];
        int iteration = 0;
        while (iteration < maxIterations)
        {
            if (MaxAbs(g) <= gradientTolerance) return new LbfgsResult(x, f, MaxAbs(g), iteration, true, evaluations);
            // Two-loop recursion: direction = -H g.
            for (int i = 0; i < n; i++) direction[i] = -g[i];
            for (int k = s.Count - 1; k >= 0; k--)
            {
                alpha[k] = rho[k] * Dot(s[k], direction);
                Axpy(-alpha[k], y[k], direction);
            }
            double gamma = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1.0 / Math.Max(1.0, Norm(g));
            for (int i = 0; i < n; i++) direction[i] *= gamma;
            for (int k = 0; k < s.Count; k++)
            {
                double beta = rho[k] * Dot(y[k], direction);
                Axpy(alpha[k] - beta, s[k], direction);
            }
            double slope = Dot(g, direction);
            if (!(slope < 0))
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.Clear(); y.Clear(); rho.Clear();
                for (int i = 0; i < n; i++) direction[i] = -g[i] / Math.Max(1.0, Norm(g));
                slope = Dot(g, direction);
                if (!(slope < 0)) break;
            }
            double step = LineSearch(objective, x, f, g, direction, slope, xNew, gNew, out double fNew);
            if (step == 0) break;
            iteration++;
            var sk = new double[n];
            var yk = new double[n];
            for (int i = 0; i < n; i++)
            {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }
            double sy = Dot(sk, yk);
            if (sy > 1e-12 * Norm(sk) * Norm(yk))
            {
                if (s.Count == memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1.0 / sy);
            }
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            double previous = f;
            f = fNew;
            // Progress below double precision: further steps cannot improve the point.
            if (previous - f <= 1e-15 * Math.Max(1.0, Math.Abs(f)) && MaxAbs(g) <= gradientTolerance * 1e3) break;
        }
        double gMax = MaxAbs(g);
        return new LbfgsResult(x, f, gMax, iteration, gMax <= gradientTolerance, evaluations);
    }

    // Strong Wolfe line search (c1 = 1e-4, c2 = 0.9): Nocedal & Wright algorithms 3.5 (bracketing) and 3.6 (zoom),
    // the zoom interpolating quadratically inside the bracket and falling back to bisection.
    private static double LineSearch(
        Objective objective, double[] x, double f0, double[] g0, double[] d, double slope0,
        double[] xNew, double[] gNew, out double fNew)
    {
        const double c1 = 1e-4, c2 = 0.9;
        double previous = 0, fPrevious = f0, slopePrevious = slope0;
        double step = 1.0;
        for (int trial = 0; trial < 30; trial++)
        {
            double f = Evaluate(objective, x, d, step, xNew, gNew, out double slope);
            if (!double.IsFinite(f) || f > f0 + c1 * step * slope0 || (trial > 0 && f >= fPrevious))
                return Zoom(objective, x, f0, d, slope0, previous, fPrevious, slopePrevious, step, f, xNew, gNew, out fNew);
            if (Math.Abs(slope) <= -c2 * slope0) { fNew = f; return step; }
            if (slope >= 0)
                return Zoom(objective, x, f0, d, slope0, step, f, slope, previous, fPrevious, xNew, gNew, out fNew);
            previous = step; fPrevious = f; slopePrevious = slope;
            step *= 2;
        }
        fNew = Evaluate(objective, x, d, previous, xNew, gNew, out _);
        return previous;
    }

    private static double Zoom(
        Objective objective, double[] x, double f0, double[] d, double slope0,
        double lo, double fLo, double slopeLo, double hi, double fHi,
        double[] xNew, double[] gNew, out double fNew)
    {
        const double c1 = 1e-4, c2 = 0.9;
        for (int trial = 0; trial < 50; trial++)
        {
            double width = hi - lo;
            double low = Math.Min(lo, hi), high = Math.Max(lo, hi);
            if (high - low <= 1e-15 * Math.Max(1.0, high)) break;
            double denominator = 2 * (fHi - fLo - slopeLo * width);
            double candidate = double.IsFinite(fHi) && denominator > 0 ? lo - slopeLo * width * width / denominator : double.NaN;
            double margin = 0.1 * (high - low);
            double step = double.IsFinite(candidate) && candidate > low + margin && candidate < high - margin ? candidate : (lo + hi) / 2;
            double f = Evaluate(objective, x, d, step, xNew, gNew, out double slope);
            if (!double.IsFinite(f) || f > f0 + c1 * step * slope0 || f >= fLo)
            {
                hi = step; fHi = f;
            }
            else
            {
                if (Math.Abs(slope) <= -c2 * slope0) { fNew = f; return step; }
                if (slope * (hi - lo) >= 0) { hi = lo; fHi = fLo; }
                lo = step; fLo = f; slopeLo = slope;
            }
        }
        // No strong-Wolfe point within precision: take the best sufficient-decrease point, if any.
        if (lo == 0) { fNew = f0; return 0; }
        fNew = Evaluate(objective, x, d, lo, xNew, gNew, out _);
        return lo;
    }

    private static double Evaluate(Objective objective, double[] x, double[] d, double step, double[] xNew, double[] gNew, out double slope)
    {
        for (int i = 0; i < x.Length; i++) xNew[i] = x[i] + step * d[i];
        double f = objective(xNew, gNew);
        slope = Dot(gNew, d);
        return f;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    private static double MaxAbs(double[] a)
    {
        double m = 0;
        foreach (double v in a) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
