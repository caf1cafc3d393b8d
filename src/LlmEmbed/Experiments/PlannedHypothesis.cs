namespace LlmEmbed.Experiments;

/// <summary>One of the study's own hypotheses: design <paramref name="ArmA"/> differs from <paramref name="ArmB"/>.</summary>
public sealed record PlannedHypothesis(string ArmA, string ArmB, string Question);
