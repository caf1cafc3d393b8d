namespace LlmEmbed.Evaluation.Tasks;

/// <summary>MTEB task types this harness evaluates.</summary>
public enum TaskType
{
    Sts,
    Retrieval,
    Reranking,
    Classification,
    Clustering,
    PairClassification,
}
