namespace LlmEmbed.Evaluation.Data;

/// <summary>One pair-classification row; label 1 = paraphrase / duplicate, 0 = not.</summary>
public sealed record LabeledPair(string Sentence1, string Sentence2, int Label);
