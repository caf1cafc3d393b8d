namespace LlmEmbed.Experiments;

/// <summary>One row of the <c>arms</c> table.</summary>
/// <param name="Name">Unique arm name.</param>
/// <param name="ConfigJson">The arm's resolved configuration as JSON.</param>
/// <param name="Status">Training state.</param>
/// <param name="CheckpointPath">Where the trained weights are (null until trained).</param>
/// <param name="TrainSeconds">Wall-clock training time (null until trained).</param>
/// <param name="UpdatedUtc">When the row was last written (set by the store).</param>
/// <param name="Seed">The training seed of this run of the arm (an arm has one row per seed); null in hand-made stores.</param>
public sealed record ArmRecord(string Name, string ConfigJson, ArmStatus Status, string? CheckpointPath = null, double? TrainSeconds = null, DateTimeOffset? UpdatedUtc = null, long? Seed = null);
