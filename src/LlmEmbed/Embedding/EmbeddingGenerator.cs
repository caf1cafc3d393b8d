using Microsoft.Extensions.AI;

namespace LlmEmbed.Embedding;

/// <summary>
/// An <see cref="EmbeddingModel"/> as a Microsoft.Extensions.AI embedding generator. Calls from several threads are
/// serialised on one lock (the model and TorchSharp modules are not re-entrant); <see cref="EmbeddingGenerationOptions.Dimensions"/>
/// truncates each vector and renormalises it, for the sizes a Matryoshka-trained model was trained for only
/// (<see cref="MatryoshkaDimensions"/>); any other size is refused. A thin adapter over
/// <see cref="EmbeddingModel.Encode(IReadOnlyList{EmbeddingInput}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>:
/// the instruction and the role of the texts travel in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>
/// under <see cref="InstructionProperty"/> and <see cref="RoleProperty"/>, so the model formats the prompt and keeps
/// instruction tokens out of pooling exactly as in training.
/// </summary>
public sealed class EmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Key of the instruction (a string) in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>.</summary>
    public const string InstructionProperty = "instruction";

    /// <summary>Key of the texts' <see cref="TextRole"/> (the enum or its name) in <see cref="EmbeddingGenerationOptions.AdditionalProperties"/>.</summary>
    public const string RoleProperty = "role";

    private readonly Lock gate = new();
    private ModelFingerprint? fingerprint;
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
        var (instruction, role) = InstructionAndRole(options);
        var inputs = texts.Select(t => new EmbeddingInput(t, instruction, role)).ToList();
        float[][] vectors;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            vectors = Model.Encode(inputs, Options, cancellationToken: cancellationToken);
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

    /// <summary>
    /// The instruction and role of a call: from the call's additional properties, else <see cref="EncodeOptions.Instruction"/>.
    /// Texts with an instruction and no role are queries; without either they are plain texts.
    /// </summary>
    private (string? Instruction, TextRole Role) InstructionAndRole(EmbeddingGenerationOptions? options)
    {
        var properties = options?.AdditionalProperties;
        string? instruction = Options.Instruction;
        if (properties is not null && properties.TryGetValue(InstructionProperty, out var i))
            instruction = i as string ?? throw new ArgumentException($"AdditionalProperties[\"{InstructionProperty}\"] must be a string, got {i?.GetType().Name ?? "null"}", nameof(options));
        TextRole role = instruction is null ? TextRole.Text : TextRole.Query;
        if (properties is not null && properties.TryGetValue(RoleProperty, out var r))
        {
            role = r switch
            {
                TextRole value => value,
                string name when Enum.TryParse<TextRole>(name, ignoreCase: true, out var parsed) && !int.TryParse(name, out _) => parsed,
                _ => throw new ArgumentException($"AdditionalProperties[\"{RoleProperty}\"] must be one of {string.Join(", ", Enum.GetNames<TextRole>())}, got '{r}'", nameof(options)),
            };
        }
        return (instruction, role);
    }

    /// <summary>The model's fingerprint at the generator's max length (computed once; the weights must not change afterwards).</summary>
    public ModelFingerprint Fingerprint
    {
        get
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                return fingerprint ??= Model.Fingerprint(Options.MaxLength);
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return Metadata;
        if (serviceType == typeof(ModelFingerprint)) return Fingerprint;
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
