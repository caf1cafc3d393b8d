using LlmEmbed.Evaluation.Results;

namespace LlmEmbed.Experiments;

/// <summary>One row of the <c>item_scores</c> table: the per-item data of an arm's score on a task split (for a seed, if any).</summary>
/// <param name="Arm">Arm name (a design or a reference).</param>
/// <param name="Task">Task / dataset name.</param>
/// <param name="Split">Evaluated split, e.g. "test".</param>
/// <param name="Items">The item scores the task's main score is computed from.</param>
/// <param name="Seed">Training seed, null for a seed-less run (references, hand-made stores).</param>
public sealed record ItemScoreRecord(string Arm, string Task, string Split, ItemScores Items, long? Seed = null);
