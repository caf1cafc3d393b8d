namespace LlmEmbed.Experiments;

/// <summary>The training loss of one arm run (arm, seed) by optimiser step.</summary>
/// <param name="Seed">The run's training seed; null in hand-made stores.</param>
public sealed record ArmLossCurve(string Arm, IReadOnlyList<(long Step, double Loss)> Points, long? Seed = null);
