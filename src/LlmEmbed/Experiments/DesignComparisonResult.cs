using System.Globalization;

namespace LlmEmbed.Experiments;

/// <summary>Outcome of <see cref="DesignComparison.Analyze"/>: per-category arm comparisons.</summary>
public sealed record DesignComparisonResult(double Alpha, IReadOnlyList<string> Arms, IReadOnlyList<CategoryComparison> Categories)
{
    /// <summary>Lexical reference arms present in the scores (not among <see cref="Arms"/>, never tested).</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>"Which design wins where": one line per category (best arm by mean, and the significant differences).</summary>
    public IReadOnlyList<string> Summary()
    {
        var lines = new List<string>();
        foreach (var c in Categories)
        {
            double top = c.MeanScore[c.BestArm];
            var tied = c.Arms.Where(a => a != c.BestArm && c.MeanScore[a] == top).ToList();
            string tie = tied.Count == 0 ? "" : $", tied with {string.Join(", ", tied)}";
            string best = $"{c.Category}: best by mean is {c.BestArm} ({Format(top)} over {c.DatasetCount[c.BestArm]} dataset(s){tie})";
            var wins = c.SignificantWins().ToList();
            string detail = wins.Count == 0
                ? c.Pairs.All(p => p.Wilcoxon is null)
                    ? $"no test possible (every pair has fewer than {DesignComparison.MinimumUsablePairs} paired datasets with a non-zero difference)"
                    : $"no difference significant at Holm-adjusted alpha = {Alpha.ToString("0.###", CultureInfo.InvariantCulture)}"
                : "significant: " + string.Join("; ", wins.Select(w =>
                    $"{w.ArmA} > {w.ArmB} (Δ = {Format(w.MeanDifference)}, p_holm = {FormatP(w.AdjustedPValue!.Value)})"));
            lines.Add($"{best}; {detail}{FloorText(c)}");
        }
        return lines;
    }

    // Where the designs stand against the lexical floor of the category.
    private static string FloorText(CategoryComparison c)
    {
        if (c.Floor is not { } floor) return "";
        var below = c.DesignsAtOrBelowFloor;
        string where = below.Count == 0
            ? "every design beats it"
            : below.Count == c.Arms.Count
                ? "NO design beats it"
                : $"{string.Join(", ", below)} do(es) not beat it";
        return $". Lexical floor: {floor.Reference} {Format(floor.Mean)}; {where}";
    }

    internal static string Format(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>p-values: four decimals, scientific below 0.001 so small values stay readable.</summary>
    public static string FormatP(double p) => double.IsNaN(p)
        ? "n/a"
        : p >= 0.001 || p == 0
            ? p.ToString("0.0000", CultureInfo.InvariantCulture)
            : p.ToString("0.00E+0", CultureInfo.InvariantCulture);
}
