using LlmEmbed.Embedding;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmEmbed.Tests.Serving;

/// <summary><c>services.AddLlmEmbedGenerator(dir)</c> returns Microsoft.Extensions.AI's builder: middleware composes in front of the model.</summary>
public class GeneratorRegistrationTests(ServingModels models) : IClassFixture<ServingModels>
{
    [Fact]
    public async Task RegisteredGeneratorComposesWithLoggingAndGivesTheLibrarysVectors()
    {
        string[] texts = ["one text", "and another, longer text"];
        var expected = models.Plain.Encode(texts);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLlmEmbedGenerator(models.PlainDir, "tiny").UseLogging();
        await using var provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        Assert.IsType<LoggingEmbeddingGenerator<string, Embedding<float>>>(generator);
        var vectors = await generator.GenerateAsync(texts);
        for (int i = 0; i < texts.Length; i++)
            for (int k = 0; k < expected[i].Length; k++) Assert.Equal(expected[i][k], vectors[i].Vector.Span[k], 1e-6);
        Assert.Equal("tiny", vectors[0].ModelId);
        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => generator.GenerateAsync(texts, new EmbeddingGenerationOptions { Dimensions = 8 }));
        Assert.Contains("not trained with Matryoshka", refused.Message);
    }
}
