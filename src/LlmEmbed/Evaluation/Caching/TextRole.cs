namespace LlmEmbed.Evaluation.Caching;

/// <summary>What a text is in its task, which decides whether it gets the instruction.</summary>
public enum TextRole
{
    /// <summary>A retrieval/reranking query (instruction applied).</summary>
    Query,
    /// <summary>A retrieval/reranking document or candidate (no instruction).</summary>
    Document,
    /// <summary>A text of a symmetric task (STS, classification, clustering, pair classification; instruction applied).</summary>
    Text,
}
