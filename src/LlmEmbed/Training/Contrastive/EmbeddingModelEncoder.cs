using LlmEmbed.Embedding;
using LlmEmbed.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// The real embedding model behind the contrastive trainer's <see cref="IContrastiveEncoder"/> seam: tokenises with
/// the model's tokenizer (queries with their instruction), runs backbone + pooler with autograd, and lists the LoRA
/// and pooler parameters as trainable.
/// </summary>
public sealed class EmbeddingModelEncoder(EmbeddingModel model) : IContrastiveEncoder
{
    public EmbeddingModel Model { get; } = model;

    public Tensor Encode(IReadOnlyList<string> texts, ContrastiveTextRole role, IReadOnlyList<string?>? instructions = null)
    {
        var tokenized = new List<TokenizedText>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            string? instruction = role == ContrastiveTextRole.Query && instructions is not null ? instructions[i] : null;
            tokenized.Add(Model.Tokenize(texts[i], string.IsNullOrEmpty(instruction) ? null : instruction));
        }
        var batch = Model.Collate(tokenized, PaddingSide.Right);
        return Model.Forward(batch);
    }

    public IEnumerable<(string Name, Parameter Parameter)> TrainableParameters() => Model.TrainableParameters();

    public void Train(bool training) => Model.Train(training);

    /// <summary>
    /// Builds the embedding model a training config asks for: <c>model.pooling</c> is an embedding preset
    /// (eos-causal, multilayer-bidirectional, …) or a pooler name (eos, mean, latent-attention, multi-layer), with
    /// <c>model.attention</c>, max length, dtype and LoRA settings applied on top.
    /// </summary>
    public static EmbeddingModelEncoder Create(ContrastiveTrainingOptions options)
    {
        var m = options.Model;
        if (string.IsNullOrWhiteSpace(m.Path)) throw new ArgumentException("model.path: the base model folder is required");
        if (!File.Exists(System.IO.Path.Combine(m.Path, "config.json"))) throw new FileNotFoundException($"model.path: '{m.Path}' has no config.json", m.Path);
        var config = ResolveConfig(m.Pooling, m.Attention, m.Path) with
        {
            MaxLength = m.MaxLength,
            DType = m.Dtype,
            MatryoshkaDims = options.Matryoshka,
            Lora = m.Lora with
            {
                Targets = m.Lora.Targets.Count > 0 ? m.Lora.Targets : Embedding.LoraOptions.AllTargets,
                Seed = options.Seed,
            },
        };
        config.Validate("model");
        var model = EmbeddingModel.FromBaseModel(config);
        if (options.Matryoshka is [.., var largest] && largest > model.Dimension)
        {
            model.Dispose();
            throw new ArgumentException($"matryoshka: {largest} exceeds the model's embedding size {model.Dimension}");
        }
        return new EmbeddingModelEncoder(model);
    }

    /// <summary>A preset by name, else a pooler name with the given attention.</summary>
    public static EmbeddingModelConfig ResolveConfig(string pooling, string? attention, string baseModel)
    {
        AttentionMode? mode = attention switch
        {
            null or "" => null,
            "causal" => AttentionMode.Causal,
            "bidirectional" => AttentionMode.Bidirectional,
            _ => throw new ArgumentException($"model.attention must be causal or bidirectional (got '{attention}')"),
        };
        EmbeddingModelConfig config = EmbeddingPresets.Names.Contains(pooling)
            ? EmbeddingPresets.Get(pooling, baseModel)
            : new EmbeddingModelConfig { BaseModel = baseModel, Pooler = new Pooling.PoolerOptions { Kind = Pooling.PoolerFactory.ParseKind(pooling) } };
        return mode is { } a ? config with { Attention = a } : config;
    }
}
