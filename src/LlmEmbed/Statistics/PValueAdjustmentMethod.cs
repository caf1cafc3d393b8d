namespace LlmEmbed.Statistics;

/// <summary>Multiple-comparison adjustment of a family of p-values.</summary>
public enum PValueAdjustmentMethod
{
    /// <summary>min(1, m·p): controls the family-wise error rate.</summary>
    Bonferroni,
    /// <summary>Holm's step-down procedure: controls the family-wise error rate, uniformly more powerful than Bonferroni.</summary>
    Holm,
    /// <summary>Benjamini–Hochberg step-up procedure: controls the false discovery rate.</summary>
    BenjaminiHochberg,
}
