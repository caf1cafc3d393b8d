namespace LlmEmbed.Evaluation.Data;

/// <summary>One STS row: two sentences and their gold similarity on the dataset's own scale.</summary>
public sealed record StsPair(string Sentence1, string Sentence2, double Score);
