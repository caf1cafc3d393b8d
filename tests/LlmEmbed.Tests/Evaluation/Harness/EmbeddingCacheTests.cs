using LlmEmbed.Embedding;
using LlmEmbed.Evaluation.Caching;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Tests.Support;
using Microsoft.Extensions.AI;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class EmbeddingCacheTests
{
    private static readonly EmbeddingCacheKey Key = new("model/a", "STS12", "test", TextRole.Text, "Do it", "InText");

    [Fact]
    public void RoundTripsAndMissesOnAnyKeyOrTextChange()
    {
        using var temp = TestPaths.NewTempDir();
        var cache = new EmbeddingCache(temp.Path);
        string[] texts = ["a", "b"];
        float[][] vectors = [[1f, 2f, 3f], [-1f, 0.5f, float.Epsilon]];

        Assert.Null(cache.TryGet(Key, texts));
        cache.Put(Key, texts, vectors);

        var loaded = cache.TryGet(Key, texts);
        Assert.NotNull(loaded);
        Assert.Equal(vectors, loaded);
        Assert.Null(cache.TryGet(Key, ["a", "c"]));
        Assert.Null(cache.TryGet(Key with { Instruction = "Other" }, texts));
        Assert.Null(cache.TryGet(Key with { ModelId = "model/b" }, texts));
        Assert.Null(cache.TryGet(Key with { Role = TextRole.Query }, texts));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void TruncatedEntryIsIgnored()
    {
        using var temp = TestPaths.NewTempDir();
        var cache = new EmbeddingCache(temp.Path);
        cache.Put(Key, ["a"], [[1f, 2f]]);
        string bin = Directory.GetFiles(temp.Path, "*.bin", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(bin);
        File.WriteAllBytes(bin, bytes[..^2]);
        Assert.Null(cache.TryGet(Key, ["a"]));
    }

    [Fact]
    public async Task EncoderAppliesInstructionsToQueriesOnlyDeduplicatesAndCaches()
    {
        using var temp = TestPaths.NewTempDir();
        var generator = new TrigramEmbeddingGenerator(32);
        var encoder = new TextEncoder(generator, "m", new EmbeddingCache(temp.Path), batchSize: 2);

        var queries = await encoder.EncodeAsync("T", "test", TextRole.Query, "Find docs", ["x", "y", "x"]);
        var docs = await encoder.EncodeAsync("T", "test", TextRole.Document, "Find docs", ["x"]);

        Assert.Equal(["Instruct: Find docs\nQuery: x", "Instruct: Find docs\nQuery: y"], generator.Batches[0]);
        Assert.Equal(["x"], generator.Batches[1]);
        Assert.Equal(3, encoder.EncodedTextCount);
        Assert.Same(queries[0], queries[2]);
        Assert.Equal(generator.Embed("x"), docs[0]);
        Assert.NotEqual(generator.Embed("x"), queries[0]);

        var again = await encoder.EncodeAsync("T", "test", TextRole.Query, "Find docs", ["x", "y", "x"]);
        Assert.Equal(3, encoder.EncodedTextCount);
        Assert.Equal(queries, again);
    }

    [Fact]
    public async Task DimensionsTruncateAndRenormaliseAfterTheCacheWhichKeepsFullVectors()
    {
        using var temp = TestPaths.NewTempDir();
        var generator = new TrigramEmbeddingGenerator(32);
        var cache = new EmbeddingCache(temp.Path);
        var full = await new TextEncoder(generator, "m", cache).EncodeAsync("T", "test", TextRole.Text, null, ["alpha beta gamma delta epsilon", "the quick brown fox jumps over the lazy dog"]);
        var shortEncoder = new TextEncoder(generator, "m", cache, dimensions: 8);
        var truncated = await shortEncoder.EncodeAsync("T", "test", TextRole.Text, null, ["alpha beta gamma delta epsilon", "the quick brown fox jumps over the lazy dog"]);
        Assert.Equal(0, shortEncoder.EncodedTextCount);   // answered by the cache: one encoding serves every size
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(8, truncated[i].Length);
            double norm = Math.Sqrt(full[i].Take(8).Sum(x => (double)x * x));
            for (int k = 0; k < 8; k++) Assert.Equal(full[i][k] / norm, truncated[i][k], 1e-6);   // a prefix, re-normalised by hand
        }
        Assert.Equal(32, cache.TryGet(new EmbeddingCacheKey("m", "T", "test", TextRole.Text, null, "InText"), ["alpha beta gamma delta epsilon", "the quick brown fox jumps over the lazy dog"])![0].Length);
        var tooMany = new TextEncoder(generator, "m", cache, dimensions: 33);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => tooMany.EncodeAsync("T", "test", TextRole.Text, null, ["gamma"]));
        Assert.Contains("dimensions 33 exceeds the model's embedding size 32", error.Message);
    }

    [Fact]
    public async Task SeparateModePassesInstructionOutOfBand()
    {
        var generator = new TrigramEmbeddingGenerator(16);
        var encoder = new TextEncoder(generator, "m", cache: null, instructionMode: InstructionMode.Separate);
        await encoder.EncodeAsync("T", "test", TextRole.Text, "Classify", ["hello"]);
        Assert.Equal(["hello"], generator.Batches[0]);
        Assert.Equal("Classify", generator.Options[0]!.AdditionalProperties![EmbeddingGenerator.InstructionProperty]);
        Assert.Equal("Text", generator.Options[0]!.AdditionalProperties![EmbeddingGenerator.RoleProperty]);
    }

    [Fact]
    public async Task RejectsGeneratorReturningWrongCountOrNonFinite()
    {
        var encoder = new TextEncoder(new BrokenGenerator(), "m");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => encoder.EncodeAsync("T", "test", TextRole.Text, null, ["a", "b"]));
        Assert.Contains("1 embeddings for 2 texts", error.Message);
        var nan = await Assert.ThrowsAsync<InvalidOperationException>(() => encoder.EncodeAsync("T", "test", TextRole.Text, null, ["a"]));
        Assert.Contains("non-finite", nan.Message);
    }

    private sealed class BrokenGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>([new Embedding<float>(new[] { float.NaN })]));
        public object? GetService(Type serviceType, object? serviceKey = null) => null;
        public void Dispose() { }
    }
}
