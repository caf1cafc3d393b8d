using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Tasks;
using Microsoft.Extensions.AI;

namespace LlmEmbed.Evaluation.Caching;

/// <summary>
/// Encodes evaluation texts with an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: applies the instruction,
/// removes duplicate texts, batches, validates the output and goes through the <see cref="EmbeddingCache"/>.
/// </summary>
public sealed class TextEncoder
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly EmbeddingCache? _cache;
    private readonly IProgress<string>? _progress;

    public string ModelId { get; }

    /// <summary>
    /// What the cache keys on: the generator's <see cref="ModelFingerprint"/> (a hash of the model's config and weights)
    /// when it offers one, else <see cref="ModelId"/>. Two models never share entries because their folders share a name.
    /// </summary>
    public string CacheIdentity { get; }
    public int BatchSize { get; }
    public InstructionMode InstructionMode { get; }
    /// <summary>Texts sent to the generator so far (cache hits and duplicates excluded).</summary>
    public long EncodedTextCount { get; private set; }
    /// <summary>Number of lookups answered by the cache.</summary>
    public int CacheHits { get; private set; }

    /// <summary>
    /// When set, every embedding handed out is cut to its first this-many components and re-normalised — after the cache,
    /// which keeps full vectors, so evaluating several sizes encodes once. Applied to any model: an evaluation measures
    /// what shortening costs, also for models never trained for it (which a server refuses to shorten).
    /// </summary>
    public int? Dimensions { get; }

    /// <param name="dimensions">See <see cref="Dimensions"/>.</param>
    public TextEncoder(
        IEmbeddingGenerator<string, Embedding<float>> generator, string modelId, EmbeddingCache? cache = null,
        int batchSize = 32, InstructionMode instructionMode = InstructionMode.InText, IProgress<string>? progress = null,
        int? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        if (batchSize < 1) throw new ArgumentException($"batch size must be >= 1, got {batchSize}", nameof(batchSize));
        if (dimensions is < 1) throw new ArgumentException($"dimensions must be >= 1, got {dimensions}", nameof(dimensions));
        Dimensions = dimensions;
        _generator = generator;
        _cache = cache;
        _progress = progress;
        ModelId = modelId;
        CacheIdentity = generator.GetService(typeof(ModelFingerprint)) is ModelFingerprint f ? f.Value : modelId;
        BatchSize = batchSize;
        InstructionMode = instructionMode;
    }

    /// <summary>One embedding per input text, in input order.</summary>
    /// <param name="dataset">Task name (part of the cache key).</param>
    /// <param name="split">Split name (part of the cache key).</param>
    /// <param name="role">Whether the instruction applies (not to <see cref="TextRole.Document"/>).</param>
    /// <param name="instruction">Task instruction, or null.</param>
    public async Task<float[][]> EncodeAsync(
        string dataset, string split, TextRole role, string? instruction, IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) return [];
        string? effective = role == TextRole.Document || InstructionMode == InstructionMode.None || string.IsNullOrWhiteSpace(instruction) ? null : instruction;
        // Duplicates (repeated sentences, shared candidates) are encoded once.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var unique = new List<string>();
        var map = new int[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            string text = texts[i] ?? throw new ArgumentException($"text {i} is null", nameof(texts));
            if (!index.TryGetValue(text, out int u)) { index[text] = u = unique.Count; unique.Add(text); }
            map[i] = u;
        }
        var key = new EmbeddingCacheKey(CacheIdentity, dataset, split, role, effective, InstructionMode.ToString());
        float[][]? embeddings = _cache?.TryGet(key, unique);
        if (embeddings != null) CacheHits++;
        else
        {
            embeddings = await GenerateAsync(unique, role, effective, $"{dataset}/{split}/{role}", cancellationToken).ConfigureAwait(false);
            _cache?.Put(key, unique, embeddings);
        }
        if (Dimensions is int d)
        {
            if (embeddings.Length > 0 && embeddings[0].Length < d)
                throw new InvalidOperationException($"{dataset}/{split}: dimensions {d} exceeds the model's embedding size {embeddings[0].Length}");
            embeddings = embeddings.Select(e => LlmEmbed.Pooling.EmbeddingNormalization.TruncateAndNormalize(e, d)).ToArray();
        }
        var result = new float[texts.Count][];
        for (int i = 0; i < texts.Count; i++) result[i] = embeddings[map[i]];
        return result;
    }

    private async Task<float[][]> GenerateAsync(List<string> texts, TextRole role, string? instruction, string what, CancellationToken cancellationToken)
    {
        // The role always travels; the instruction travels separately (the model formats and masks it) or in the text.
        var properties = new AdditionalPropertiesDictionary { [EmbeddingGenerator.RoleProperty] = role.ToString() };
        if (instruction != null && InstructionMode == InstructionMode.Separate) properties[EmbeddingGenerator.InstructionProperty] = instruction;
        var options = new EmbeddingGenerationOptions { AdditionalProperties = properties };
        var result = new float[texts.Count][];
        int dim = -1;
        // Batches are drawn longest-first so that each batch holds texts of similar length: the generator pads a
        // batch to its longest text, so batching in dataset order would waste most of the compute on padding.
        int[] order = Enumerable.Range(0, texts.Count).OrderByDescending(i => texts[i].Length).ToArray();
        for (int start = 0; start < texts.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(BatchSize, texts.Count - start);
            var batch = new string[count];
            for (int i = 0; i < count; i++)
                batch[i] = InstructionMode == InstructionMode.InText ? InstructionOptions.Default.Format(instruction, texts[order[start + i]]) : texts[order[start + i]];
            var generated = await _generator.GenerateAsync(batch, options, cancellationToken).ConfigureAwait(false);
            if (generated.Count != count)
                throw new InvalidOperationException($"{what}: the embedding generator returned {generated.Count} embeddings for {count} texts");
            for (int i = 0; i < count; i++)
            {
                float[] vector = generated[i].Vector.ToArray();
                if (dim < 0) dim = vector.Length;
                if (vector.Length == 0 || vector.Length != dim)
                    throw new InvalidOperationException($"{what}: embedding {order[start + i]} has dimension {vector.Length}, expected {dim}");
                foreach (float v in vector)
                    if (!float.IsFinite(v))
                        throw new InvalidOperationException($"{what}: embedding {order[start + i]} contains a non-finite value (text: \"{Shorten(texts[order[start + i]])}\")");
                result[order[start + i]] = vector;
            }
            EncodedTextCount += count;
            // Roughly every 50 batches, and at the end, for long encodings only.
            bool last = start + count == texts.Count;
            if (texts.Count > BatchSize && (last || (start / BatchSize) % 50 == 49))
                _progress?.Report($"{what}: encoded {start + count}/{texts.Count}");
        }
        return result;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
