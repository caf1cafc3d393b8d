using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmEmbed.Embedding;

/// <summary>Registers a saved LlmEmbed model as the application's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
public static class EmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton generator over the model folder <paramref name="modelDir"/> (loaded on first use, disposed
    /// with the service provider) and returns Microsoft.Extensions.AI's builder, so that
    /// <c>.UseLogging()</c>, <c>.UseOpenTelemetry()</c> and <c>.UseDistributedCache()</c> compose in front of it.
    /// </summary>
    /// <param name="modelId">The id the generator reports (default: the folder's name).</param>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddLlmEmbedGenerator(
        this IServiceCollection services, string modelDir, string? modelId = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(modelDir);
        string id = modelId ?? new DirectoryInfo(modelDir).Name;
        return services.AddEmbeddingGenerator<string, Embedding<float>>(
            _ => new EmbeddingGenerator(EmbeddingModel.Load(modelDir), id, options, ownsModel: true));
    }
}
