using Microsoft.Extensions.AI;

namespace LlmEmbed.Tests.Evaluation.Harness;

/// <summary>
/// A small deterministic embedding model for harness tests: hashed bag of lower-cased character trigrams and
/// words (signed feature hashing, FNV-1a), so lexically similar texts get similar vectors. Records every batch
/// it receives, so tests can check what was sent.
/// </summary>
public sealed class TrigramEmbeddingGenerator(int dimension = 256) : IEmbeddingGenerator<string, Embedding<float>>
{
    public List<string[]> Batches { get; } = [];
    public List<EmbeddingGenerationOptions?> Options { get; } = [];
    public int Dimension { get; } = dimension;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToArray();
        lock (Batches) { Batches.Add(texts); Options.Add(options); }
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => new Embedding<float>(Embed(t))));
        return Task.FromResult(result);
    }

    public float[] Embed(string text)
    {
        var v = new float[Dimension];
        string s = " " + text.ToLowerInvariant() + " ";
        for (int i = 0; i + 3 <= s.Length; i++) Add(v, s.AsSpan(i, 3), 1f);
        foreach (string word in s.Split(' ', StringSplitOptions.RemoveEmptyEntries)) Add(v, word, 2f);
        // Keeps empty-ish texts from being zero vectors (cosine undefined there).
        v[0] += 0.01f;
        return v;
    }

    private void Add(float[] v, ReadOnlySpan<char> feature, float weight)
    {
        uint hash = 2166136261;
        foreach (char c in feature) { hash ^= c; hash *= 16777619; }
        v[(int)(hash % (uint)Dimension)] += (hash & 0x80000000) != 0 ? weight : -weight;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
