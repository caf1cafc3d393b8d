namespace LlmEmbed.Evaluation.Data;

/// <summary>A BEIR corpus document.</summary>
public sealed record CorpusDocument(string Id, string Title, string Text)
{
    /// <summary>The text MTEB v1 encodes for a document: <c>(title + " " + text).Trim()</c>.</summary>
    public string FormattedText => (Title + " " + Text).Trim();
}
