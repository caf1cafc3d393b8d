using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmEmbed.Embedding;
using LlmEmbed.Server;
using OpenAI;
using OpenAI.Embeddings;

namespace LlmEmbed.Tests.Serving;

/// <summary>
/// The real server on a loopback port, called by the official OpenAI .NET client and by plain HTTP: the vectors are
/// the library's <see cref="EmbeddingModel.Encode(IReadOnlyList{string}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>.
/// </summary>
public class OpenAiCompatibilityTests(ServingModels models) : IClassFixture<ServingModels>
{
    private const string Key = "sk-test-key";
    private static readonly string[] Texts = ["The cat sat on the mat.", "A completely different, much longer sentence about embedding servers and batching.", "hi", "Paris is the capital of France."];

    private static EmbeddingClient Client(EmbeddingServer server, string model = "tiny", string key = Key) =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public async Task OfficialClientGetsTheLibrarysVectorsAndUsage()
    {
        var expected = models.Plain.Encode(Texts);
        int tokens = Texts.Sum(t => models.Plain.Tokenize(t).Ids.Count);
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny", ApiKey = Key });
        var client = Client(server);

        OpenAIEmbeddingCollection result = await client.GenerateEmbeddingsAsync(Texts);   // the client asks for base64
        Assert.Equal(Texts.Length, result.Count);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(i, result[i].Index);
            AssertClose(expected[i], result[i].ToFloats().Span, 1e-6, $"text {i}");
        }
        Assert.Equal(tokens, result.Usage.InputTokenCount);
        Assert.Equal(tokens, result.Usage.TotalTokenCount);
        Assert.Equal("tiny", result.Model);

        OpenAIEmbedding single = await client.GenerateEmbeddingAsync(Texts[1]);
        AssertClose(expected[1], single.ToFloats().Span, 1e-6, "single");
    }

    [Fact]
    public async Task OfficialClientTokenArraysEqualTheTextsTheyCameFrom()
    {
        var expected = models.Plain.Encode(Texts);
        var ids = Texts.Select(t => new ReadOnlyMemory<int>(models.Plain.Tokenize(t).Ids.ToArray())).ToList();
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny", ApiKey = Key });
        var result = (await Client(server).GenerateEmbeddingsAsync(ids)).Value;
        for (int i = 0; i < Texts.Length; i++) AssertClose(expected[i], result[i].ToFloats().Span, 1e-6, $"tokens {i}");
        Assert.Equal(ids.Sum(x => x.Length), result.Usage.InputTokenCount);
        // Without the trailing EOS the server appends it, as the library's tokenisation does.
        var withoutEos = ids.Select(x => x[..^1]).ToList();
        var again = (await Client(server).GenerateEmbeddingsAsync(withoutEos)).Value;
        for (int i = 0; i < Texts.Length; i++) AssertClose(expected[i], again[i].ToFloats().Span, 1e-6, $"tokens without EOS {i}");
    }

    [Fact]
    public async Task DimensionsWorkForAMatryoshkaModelAndAreRefusedForAnother()
    {
        var full = models.Matryoshka.Encode(Texts);
        await using (var server = await ServingModels.StartAsync(models.Matryoshka, new ServerOptions { ModelName = "tiny", ApiKey = Key }))
        {
            var result = (await Client(server).GenerateEmbeddingsAsync(Texts, new EmbeddingGenerationOptions { Dimensions = 16 })).Value;
            for (int i = 0; i < Texts.Length; i++)
            {
                var v = result[i].ToFloats().Span;
                Assert.Equal(16, v.Length);
                AssertClose(LlmEmbed.Pooling.EmbeddingNormalization.TruncateAndNormalize(full[i], 16), v, 1e-6, $"truncated {i}");
                Assert.Equal(1.0, Math.Sqrt(v.ToArray().Sum(x => (double)x * x)), 5);
            }
            var untrained = await Assert.ThrowsAsync<ClientResultException>(() => Client(server).GenerateEmbeddingsAsync(Texts, new EmbeddingGenerationOptions { Dimensions = 12 }));
            Assert.Equal(400, untrained.Status);
            Assert.Contains("[8, 16]", untrained.Message);
        }
        await using (var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny", ApiKey = Key }))
        {
            var refused = await Assert.ThrowsAsync<ClientResultException>(() => Client(server).GenerateEmbeddingsAsync(Texts, new EmbeddingGenerationOptions { Dimensions = 16 }));
            Assert.Equal(400, refused.Status);
            Assert.Contains("not trained with Matryoshka", refused.Message);
        }
    }

    [Fact]
    public async Task PlainHttpFloatAndBase64CarryTheSameFloats()
    {
        var expected = models.Plain.Encode(Texts);
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var floatReply = await http.PostAsJsonAsync("/v1/embeddings", new { input = Texts, model = "tiny", encoding_format = "float", user = "ignored" });
        Assert.Equal(HttpStatusCode.OK, floatReply.StatusCode);
        var floatJson = JsonNode.Parse(await floatReply.Content.ReadAsStringAsync())!;
        Assert.Equal("list", (string?)floatJson["object"]);
        var base64Reply = await http.PostAsJsonAsync("/v1/embeddings", new { input = Texts, model = "tiny", encoding_format = "base64" });
        var base64Json = JsonNode.Parse(await base64Reply.Content.ReadAsStringAsync())!;
        for (int i = 0; i < Texts.Length; i++)
        {
            var item = floatJson["data"]![i]!;
            Assert.Equal("embedding", (string?)item["object"]);
            Assert.Equal(i, (int)item["index"]!);
            var floats = item["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
            AssertClose(expected[i], floats, 1e-6, $"float {i}");
            var bytes = Convert.FromBase64String((string)base64Json["data"]![i]!["embedding"]!);
            var decoded = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            Assert.Equal(floats, decoded);   // exactly the same floats: JSON floats round-trip
        }
        int tokens = Texts.Sum(t => models.Plain.Tokenize(t).Ids.Count);
        Assert.Equal(tokens, (int)floatJson["usage"]!["prompt_tokens"]!);
        Assert.Equal(tokens, (int)floatJson["usage"]!["total_tokens"]!);

        // A single string, and a single token array, are one input each.
        var one = JsonNode.Parse(await (await http.PostAsJsonAsync("/v1/embeddings", new { input = Texts[0] })).Content.ReadAsStringAsync())!;
        AssertClose(expected[0], one["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray(), 1e-6, "single string");
        var ids = models.Plain.Tokenize(Texts[0]).Ids.ToArray();
        var oneTokens = JsonNode.Parse(await (await http.PostAsJsonAsync("/v1/embeddings", new { input = ids })).Content.ReadAsStringAsync())!;
        Assert.Single(oneTokens["data"]!.AsArray());
        AssertClose(expected[0], oneTokens["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray(), 1e-6, "single token array");
    }

    [Fact]
    public async Task QueriesGetTheNamedInstructionExcludedFromPoolingAsInTheLibrary()
    {
        const string instruction = "Given a question, retrieve passages that answer it";
        var asQueries = models.Matryoshka.Encode(Texts, new EncodeOptions { Instruction = instruction });
        var asDocuments = models.Matryoshka.Encode(Texts);
        await using var server = await ServingModels.StartAsync(models.Matryoshka, new ServerOptions
        {
            ModelName = "tiny", Prompts = new Dictionary<string, string> { ["query"] = instruction },
        });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        async Task<float[][]> OpenAi(object body) =>
            JsonNode.Parse(await (await http.PostAsJsonAsync("/v1/embeddings", body)).Content.ReadAsStringAsync())!["data"]!.AsArray()
                .Select(d => d!["embedding"]!.AsArray().Select(x => (float)x!).ToArray()).ToArray();
        async Task<float[][]> Tei(object body)
        {
            var reply = await http.PostAsJsonAsync("/embed", body);
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            return (await reply.Content.ReadFromJsonAsync<float[][]>())!;
        }
        var byInputType = await OpenAi(new { input = Texts, input_type = "query" });
        var byPromptName = await OpenAi(new { input = Texts, prompt_name = "query" });
        var documents = await OpenAi(new { input = Texts, input_type = "document" });
        var tei = await Tei(new { inputs = Texts, prompt_name = "query" });
        var teiDocuments = await Tei(new { inputs = Texts, normalize = true });
        for (int i = 0; i < Texts.Length; i++)
        {
            AssertClose(asQueries[i], byInputType[i], 1e-6, $"input_type query {i}");
            AssertClose(asQueries[i], byPromptName[i], 1e-6, $"prompt_name query {i}");
            AssertClose(asQueries[i], tei[i], 1e-6, $"TEI query {i}");
            AssertClose(asDocuments[i], documents[i], 1e-6, $"document {i}");
            AssertClose(asDocuments[i], teiDocuments[i], 1e-6, $"TEI document {i}");
        }
        Assert.NotEqual(asQueries[0], asDocuments[0]);
        var unknown = await http.PostAsJsonAsync("/embed", new { inputs = "x", prompt_name = "passage" });
        Assert.Equal((HttpStatusCode)422, unknown.StatusCode);
        var error = JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!;
        Assert.Equal("Validation", (string?)error["error_type"]);
        Assert.Contains("known: query", (string?)error["error"]);
    }

    [Fact]
    public async Task InfoHealthAndMetricsDescribeTheServer()
    {
        await using var server = await ServingModels.StartAsync(models.Matryoshka, new ServerOptions { ModelName = "tiny", ApiKey = Key, MaxBatchTokens = 1000 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);   // health needs no key
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/info")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        var info = JsonNode.Parse(await http.GetStringAsync("/info"))!;
        Assert.Equal("tiny", (string?)info["model_id"]);
        Assert.Equal(32, (int)info["dimensions"]!);
        Assert.Equal(ServingModels.MaxLength, (int)info["max_input_length"]!);
        Assert.Equal(1000, (int)info["max_batch_tokens"]!);
        Assert.Equal("multi-layer", (string?)info["design"]!["pooler"]);
        Assert.Equal("bidirectional", (string?)info["design"]!["attention"]);
        Assert.Equal([8, 16], info["matryoshka_dimensions"]!.AsArray().Select(x => (int)x!));
        Assert.Equal("float32", (string?)info["model_dtype"]);

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/v1/embeddings", new { input = Texts })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/embed", new { inputs = Texts })).StatusCode);
        string metrics = await http.GetStringAsync("/metrics");
        foreach (var name in new[] { "llmembed_requests_total", "llmembed_request_duration_seconds_bucket", "llmembed_queue_depth", "llmembed_batch_size_bucket", "llmembed_tokens_total" })
            Assert.Contains(name, metrics);
        Assert.Contains("route=\"/embed\"", metrics);
        Assert.True(server.Scheduler.Metrics.EncodedInputs >= 2 * Texts.Length);
    }
}
