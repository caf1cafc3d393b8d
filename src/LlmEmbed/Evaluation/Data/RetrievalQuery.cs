namespace LlmEmbed.Evaluation.Data;

/// <summary>A BEIR query.</summary>
public sealed record RetrievalQuery(string Id, string Text);
