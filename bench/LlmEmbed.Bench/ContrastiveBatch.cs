using LlmEmbed.Embedding;
using LlmEmbed.Training;
using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Bench;

/// <summary>
/// Contrastive training steps as the library's trainer runs them — <see cref="GradCache"/> + <see cref="InfoNceLoss"/>
/// over an <see cref="EmbeddingModelEncoder"/> (tokenisation, LoRA dropout replayed per chunk), then AdamW — on
/// (query, positive) pairs of real text that all tokenise to exactly the model's max length, so the step has no padding
/// and its tokens (hence FLOPs) are known.
/// </summary>
internal static class ContrastiveBatch
{
    public const double Scale = 20, LearningRate = 1e-4;

    /// <summary>τ = 1 / scale.</summary>
    public static double Temperature => 1 / Scale;

    /// <summary>
    /// A GradCache over <paramref name="model"/>: chunked with cached representation gradients when
    /// <paramref name="chunkSize"/> is set, else the direct path (all texts with the graph, one backward) as the
    /// trainer runs it with <c>chunk_size: 0</c>.
    /// </summary>
    public static GradCache Create(EmbeddingModel model, int batch, int? chunkSize) =>
        new(new EmbeddingModelEncoder(model), new InfoNceLoss(Scale), chunkSize ?? batch, cacheGradients: chunkSize is not null);

    /// <summary>One optimizer step on <paramref name="examples"/> (dropout on), as <see cref="ContrastiveTrainer"/> does it.</summary>
    public static double Step(GradCache gradCache, AdamW optimizer, IReadOnlyList<ContrastiveExample> examples, long batchSeed)
    {
        gradCache.Encoder.Train(true);
        optimizer.ZeroGrad();
        double loss = gradCache.Accumulate(examples, batchSeed);
        optimizer.StepWith(LearningRate);
        return loss;
    }

    /// <summary>
    /// <paramref name="count"/> (first half, second half) pairs of SciFact abstracts whose halves both reach the
    /// model's max length in tokens (they are truncated to it, keeping EOS); throws when the corpus has too few.
    /// </summary>
    public static IReadOnlyList<ContrastiveExample> Examples(BenchSettings s, EmbeddingModel model, int count, int seed)
    {
        int tokens = model.Config.MaxLength;
        var examples = new List<ContrastiveExample>(count);
        var documents = BenchCorpus.Sample(BenchCorpus.BeirCorpus(s.Data("retrieval", "SciFact", "corpus.jsonl")), int.MaxValue, seed);
        foreach (var (_, text) in documents)
        {
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string query = string.Join(' ', words.Take(words.Length / 2)), positive = string.Join(' ', words.Skip(words.Length / 2));
            if (model.Tokenize(query).Ids.Count < tokens || model.Tokenize(positive).Ids.Count < tokens) continue;
            examples.Add(new ContrastiveExample(query, positive, null, null, "SciFact", examples.Count + 1));
            if (examples.Count == count) return examples;
        }
        throw new InvalidOperationException($"SciFact has only {examples.Count} abstracts whose halves reach {tokens} tokens; {count} needed");
    }
}
