namespace LlmEmbed.Evaluation.Metrics;

/// <summary>Settings of <see cref="KMeans"/>; defaults follow scikit-learn's <c>KMeans</c> / <c>MiniBatchKMeans</c>.</summary>
/// <param name="Clusters">Number of clusters k (&gt;= 1, at most the number of rows).</param>
/// <param name="Restarts">Independent k-means++ initialisations; the lowest inertia wins (<c>n_init</c>).</param>
/// <param name="MaxIterations">Lloyd iterations, or mini-batch epochs, per restart.</param>
/// <param name="Tolerance">Lloyd stops when the squared centre shift is at most Tolerance · mean feature variance.</param>
/// <param name="Seed">Seed of the random generator; equal seeds give equal results.</param>
/// <param name="BatchSize">Rows per mini-batch step (only for <see cref="KMeans.FitMiniBatch"/>).</param>
public sealed record KMeansOptions(
    int Clusters,
    int Restarts = 10,
    int MaxIterations = 300,
    double Tolerance = 1e-4,
    int Seed = 0,
    int BatchSize = 500);
