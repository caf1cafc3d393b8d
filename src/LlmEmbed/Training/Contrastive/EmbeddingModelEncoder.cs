using LlmEmbed.Embedding;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// The real embedding model behind the contrastive trainer's <see cref="IContrastiveEncoder"/> seam: embeds through
/// <see cref="EmbeddingModel.Forward(IReadOnlyList{EmbeddingInput}, int?)"/> — the same formatting, tokenisation and
/// pooling mask as evaluation and <c>embed</c> — with autograd, and lists the LoRA and pooler parameters as trainable.
/// </summary>
public sealed class EmbeddingModelEncoder(EmbeddingModel model) : IContrastiveEncoder
{
    public EmbeddingModel Model { get; } = model;

    public Tensor Encode(IReadOnlyList<string> texts, TextRole role, IReadOnlyList<string?>? instructions = null) =>
        Model.Forward(texts.Select((t, i) => new EmbeddingInput(t, instructions?[i], role)).ToList());

    public IEnumerable<(string Name, Parameter Parameter)> TrainableParameters() => Model.TrainableParameters();

    public void Train(bool training) => Model.Train(training);

    /// <summary>Writes the complete embedding model (config, PEFT adapter, pooler) into <paramref name="folder"/>.</summary>
    public void Save(string folder) => Model.Save(folder);

    /// <summary>
    /// Builds the embedding model a training config describes (<see cref="ContrastiveTrainingOptions.Model"/>, preset
    /// applied); the LoRA initialisation is seeded with the run's seed.
    /// </summary>
    public static EmbeddingModelEncoder Create(ContrastiveTrainingOptions options)
    {
        var m = options.Model;
        if (string.IsNullOrWhiteSpace(m.BaseModel)) throw new ArgumentException("model.base_model: the base model folder is required");
        if (!File.Exists(System.IO.Path.Combine(m.BaseModel, "config.json"))) throw new FileNotFoundException($"model.base_model: '{m.BaseModel}' has no config.json", m.BaseModel);
        m.Validate("model");
        var config = m.Resolve() with { MatryoshkaDims = options.Matryoshka, Lora = m.Lora with { Seed = options.Seed } };
        var model = EmbeddingModel.FromBaseModel(config);
        if (options.Matryoshka is [.., var largest] && largest > model.Dimension)
        {
            model.Dispose();
            throw new ArgumentException($"matryoshka: {largest} exceeds the model's embedding size {model.Dimension}");
        }
        return new EmbeddingModelEncoder(model);
    }
}
