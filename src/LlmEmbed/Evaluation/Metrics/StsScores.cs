namespace LlmEmbed.Evaluation.Metrics;

/// <summary>
/// MTEB STSEvaluator output: per-pair cosine similarities and negated Manhattan / Euclidean distances, and the
/// Pearson and Spearman correlation of each with the gold scores. The main score is the cosine Spearman.
/// </summary>
public sealed record StsScores(
    IReadOnlyList<double> CosineScores,
    IReadOnlyList<double> ManhattanScores,
    IReadOnlyList<double> EuclideanScores,
    double CosinePearson,
    double CosineSpearman,
    double ManhattanPearson,
    double ManhattanSpearman,
    double EuclideanPearson,
    double EuclideanSpearman)
{
    /// <summary>MTEB v1's STS main score: Spearman correlation of the cosine similarities.</summary>
    public double MainScore => CosineSpearman;

    /// <summary>The correlations keyed as MTEB v1 names them (<c>cos_sim</c> / <c>manhattan</c> / <c>euclidean</c>).</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["cosine_pearson"] = CosinePearson,
        ["cosine_spearman"] = CosineSpearman,
        ["manhattan_pearson"] = ManhattanPearson,
        ["manhattan_spearman"] = ManhattanSpearman,
        ["euclidean_pearson"] = EuclideanPearson,
        ["euclidean_spearman"] = EuclideanSpearman,
    };
}
