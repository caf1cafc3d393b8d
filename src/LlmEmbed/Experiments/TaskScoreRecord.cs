namespace LlmEmbed.Experiments;

/// <summary>One row of the <c>task_scores</c> table: an arm evaluated on a task (for a seed, if any).</summary>
/// <param name="Arm">Arm name.</param>
/// <param name="Task">Task / dataset name.</param>
/// <param name="Category">Task category (see <see cref="TaskCategories"/>).</param>
/// <param name="Split">Evaluated split, e.g. "test".</param>
/// <param name="MainScore">The task's main score.</param>
/// <param name="MetricsJson">All metrics of the evaluation as a JSON object.</param>
/// <param name="EvalSeconds">Wall-clock evaluation time.</param>
/// <param name="Seed">Training seed, null for a single run.</param>
/// <param name="UpdatedUtc">When the row was last written (set by the store).</param>
public sealed record TaskScoreRecord(
    string Arm,
    string Task,
    string Category,
    string Split,
    double MainScore,
    string MetricsJson = "{}",
    double EvalSeconds = 0,
    long? Seed = null,
    DateTimeOffset? UpdatedUtc = null)
{
    public ArmTaskScore ToArmTaskScore() => new(Arm, Task, Category, MainScore, Seed);
}
