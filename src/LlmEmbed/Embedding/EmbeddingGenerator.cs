using Microsoft.Extensions.AI;

namespace LlmEmbed.Embedding;

/// <summary>
/// An <see cref="EmbeddingModel"/> as a Microsoft.Extensions.AI embedding generator. Calls from several threads are
/// serialised on one lock (the model and TorchSharp modules are not re-entrant); <see cref="EmbeddingGenerationOptions.Dimensions"/>
/// truncates each vector and renormalises it, for the sizes a Matryoshka-trained model was trained for only
/// (<see cref="MatryoshkaDimensions"/>); any other size is refused.
/// </summary>
public sealed class EmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly Lock gate = new();
    private readonly bool ownsModel;
    private bool disposed;

    public EmbeddingGenerator(EmbeddingModel model, string modelId, EncodeOptions? options = null, bool ownsModel = false)
    {
        Model = model;
        ModelId = modelId;
        Options = options ?? new EncodeOptions();
        this.ownsModel = ownsModel;
        Metadata = new EmbeddingGeneratorMetadata("llm-embed", null, modelId, model.Dimension);
    }

    public EmbeddingModel Model { get; }
    public string ModelId { get; }
    public EncodeOptions Options { get; }
    public EmbeddingGeneratorMetadata Metadata { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToList();
        int? dims = options?.Dimensions;
        if (dims is { } d && MatryoshkaDimensions.Refusal(d, Model.Dimension, Model.Config.MatryoshkaDims) is { } refusal)
            throw new ArgumentOutOfRangeException(nameof(options), d, refusal);
        if (options?.ModelId is { } id && id != ModelId)
            throw new ArgumentException($"this generator serves model '{ModelId}', not '{id}'", nameof(options));
        float[][] vectors;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            vectors = Model.Encode(texts, Options, cancellationToken: cancellationToken);
        }
        var created = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Length);
        foreach (var v in vectors)
        {
            var vector = dims is { } k && k != v.Length ? Pooling.EmbeddingNormalization.TruncateAndNormalize(v, k) : v;
            result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
        }
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return Metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(Model)) return Model;
        return null;
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            if (ownsModel) Model.Dispose();
        }
    }
}
