namespace LlmEmbed.Embedding;

/// <summary>What a text is in its task, which decides whether it gets the instruction (training and evaluation alike).</summary>
public enum TextRole
{
    /// <summary>A query (retrieval, reranking, the query side of a training pair): the instruction applies.</summary>
    Query,
    /// <summary>A document, candidate or positive/negative: never an instruction.</summary>
    Document,
    /// <summary>A text of a symmetric task (STS, classification, clustering, pair classification): the instruction applies.</summary>
    Text,
}
