namespace LlmEmbed.Training.Contrastive;

/// <summary>Rows with mined negatives, and how many rows found no eligible candidate in the rank range (their negative is kept as it was).</summary>
public sealed record HardNegativeMiningResult(IReadOnlyList<ContrastiveExample> Rows, int Mined, int NoCandidate);
