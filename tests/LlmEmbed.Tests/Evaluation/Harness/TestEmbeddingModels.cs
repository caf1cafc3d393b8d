using Microsoft.Extensions.AI;

namespace LlmEmbed.Tests.Evaluation.Harness;

/// <summary>
/// The one factory the end-to-end evaluation test uses for its model. Switch it to a tiny random LLM embedding
/// model once one exists (keep it deterministic and fast: every dataset is evaluated).
/// </summary>
public static class TestEmbeddingModels
{
    public const string ModelId = "trigram-hash-256";

    public static IEmbeddingGenerator<string, Embedding<float>> CreateForEndToEnd() => new TrigramEmbeddingGenerator(256);
}
