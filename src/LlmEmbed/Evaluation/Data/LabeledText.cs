namespace LlmEmbed.Evaluation.Data;

/// <summary>One classification or clustering row: a text and its readable label.</summary>
public sealed record LabeledText(string Text, string Label);
