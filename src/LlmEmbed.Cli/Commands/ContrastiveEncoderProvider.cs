using LlmEmbed.Training.Contrastive;

namespace LlmEmbed.Cli.Commands;

/// <summary>Builds the embedding model that <c>train</c> and <c>mine</c> work on.</summary>
public static class ContrastiveEncoderProvider
{
    /// <summary>
    /// THE ONE CALL SITE where the real embedding model is plugged in: build it from <paramref name="options"/>.Model
    /// (base decoder path, pooling, attention, max length, dtype, device, LoRA r / alpha / dropout / target modules)
    /// and wrap it in an <see cref="IContrastiveEncoder"/> adapter (see that interface's summary for a 10-line one).
    /// The global torch generator is already seeded when this runs, so random initialisation (LoRA A, trainable
    /// pooling) is reproducible.
    /// </summary>
    public static IContrastiveEncoder Create(ContrastiveTrainingOptions options)
    {
        // LEAD: replace this line with e.g. `return new EmbeddingModelEncoder(EmbeddingModel.Load(options.Model));`
        throw new NotSupportedException(
            $"no embedding model is wired into the CLI yet (model.path = '{options.Model.Path}'); see ContrastiveEncoderProvider.Create");
    }
}
