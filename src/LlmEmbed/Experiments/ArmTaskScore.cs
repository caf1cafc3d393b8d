namespace LlmEmbed.Experiments;

/// <summary>The main score of one arm (a design: pooling × attention × ...) on one evaluation task.</summary>
/// <param name="Arm">Arm name, e.g. "mean-bidirectional".</param>
/// <param name="Task">Dataset / task name, e.g. "STSBenchmark".</param>
/// <param name="Category">Task category, one of <see cref="TaskCategories.All"/> (or another label).</param>
/// <param name="MainScore">The task's main score (MTEB convention, e.g. cosine Spearman for STS).</param>
/// <param name="Seed">Training seed when arms are repeated over seeds; null for a single run.</param>
public sealed record ArmTaskScore(string Arm, string Task, string Category, double MainScore, long? Seed = null);
