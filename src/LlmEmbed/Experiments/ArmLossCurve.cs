namespace LlmEmbed.Experiments;

/// <summary>The training loss of one arm by optimiser step.</summary>
public sealed record ArmLossCurve(string Arm, IReadOnlyList<(long Step, double Loss)> Points);
