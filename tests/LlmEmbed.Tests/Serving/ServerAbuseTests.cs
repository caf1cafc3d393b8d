using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmEmbed.Server;

namespace LlmEmbed.Tests.Serving;

/// <summary>
/// Bad and hostile requests get clear 4xx answers, and the server keeps serving the next request. (The overload case —
/// 200 concurrent requests against a queue of 64, with memory measured — is <see cref="ConcurrentOverloadTests"/>.)
/// </summary>
public class ServerAbuseTests(ServingModels models) : IClassFixture<ServingModels>
{
    private const string Key = "correct horse battery staple";

    /// <param name="expectContinue">Send <c>Expect: 100-continue</c> (as curl does for large bodies), so a refused body is never uploaded.</param>
    private static async Task<(HttpStatusCode Status, JsonNode Body)> Post(HttpClient http, string route, string json, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = expectContinue;
        var reply = await http.SendAsync(request);
        string text = await reply.Content.ReadAsStringAsync();
        return (reply.StatusCode, JsonNode.Parse(text)!);
    }

    /// <summary>OpenAI's error object: {"error": {"message", "type", "param", "code"}}.</summary>
    private static string OpenAiMessage(JsonNode body)
    {
        var error = body["error"]!;
        Assert.NotNull((string?)error["type"]);
        Assert.True(error.AsObject().ContainsKey("param") && error.AsObject().ContainsKey("code"));
        return (string)error["message"]!;
    }

    private static async Task AssertStillServes(HttpClient http)
    {
        var (status, body) = await Post(http, "/v1/embeddings", """{"input": "still alive"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(32, body["data"]![0]!["embedding"]!.AsArray().Count);
    }

    [Fact]
    public async Task MalformedJsonWrongTypesEmptyInputAndUnknownModelAreClear4xx()
    {
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var cases = new (string Json, HttpStatusCode Status, string Message)[]
        {
            ("""{"input": ["a", """, HttpStatusCode.BadRequest, "not valid JSON"),
            ("not json at all", HttpStatusCode.BadRequest, "not valid JSON"),
            ("[1, 2]", HttpStatusCode.BadRequest, "must be a JSON object"),
            ("""{"model": "tiny"}""", HttpStatusCode.BadRequest, "'input' is required"),
            ("""{"input": 42}""", HttpStatusCode.BadRequest, "'input' must be a string"),
            ("""{"input": ["a", 3]}""", HttpStatusCode.BadRequest, "'input[1]' must be a string"),
            ("""{"input": [[1, 2], "b"]}""", HttpStatusCode.BadRequest, "'input[1]' must be an array of token ids"),
            ("""{"input": [1.5]}""", HttpStatusCode.BadRequest, "must be an integer token id"),
            ("""{"input": [99999999]}""", HttpStatusCode.BadRequest, "is not a token id of this model"),
            ("""{"input": ""}""", HttpStatusCode.BadRequest, "must not be an empty string"),
            ("""{"input": []}""", HttpStatusCode.BadRequest, "must not be an empty array"),
            ("""{"input": ["ok", ""]}""", HttpStatusCode.BadRequest, "'input[1]' must not be an empty string"),
            ("""{"input": "x", "encoding_format": "int8"}""", HttpStatusCode.BadRequest, "'encoding_format' must be 'float' or 'base64'"),
            ("""{"input": "x", "dimensions": "8"}""", HttpStatusCode.BadRequest, "'dimensions' must be an integer"),
            ("""{"input": "x", "dimensions": 0}""", HttpStatusCode.BadRequest, "dimensions must be positive"),
            ("""{"input": "x", "input_type": "passage"}""", HttpStatusCode.BadRequest, "'input_type' must be 'query' or 'document'"),
            ("""{"input": "x", "model": "gpt-4"}""", HttpStatusCode.NotFound, "The model 'gpt-4' does not exist"),
            ("""{"input": "x", "model": 7}""", HttpStatusCode.BadRequest, "'model' must be a string"),
            ("""{"input": "x", "prompt_name": "query"}""", HttpStatusCode.BadRequest, "no prompt named 'query'"),
        };
        foreach (var (json, status, message) in cases)
        {
            var (actual, body) = await Post(http, "/v1/embeddings", json);
            Assert.True(status == actual, $"{json}: expected {status}, got {actual}: {body.ToJsonString()}");
            Assert.Contains(message, OpenAiMessage(body));
        }
        var (teiStatus, teiBody) = await Post(http, "/embed", """{"inputs": {"a": 1}}""");
        Assert.Equal((HttpStatusCode)422, teiStatus);
        Assert.Equal("Validation", (string?)teiBody["error_type"]);
        var (normStatus, normBody) = await Post(http, "/embed", """{"inputs": "x", "normalize": false}""");
        Assert.Equal((HttpStatusCode)422, normStatus);
        Assert.Contains("normalize: false cannot be served", (string?)normBody["error"]);
        await AssertStillServes(http);
    }

    [Fact]
    public async Task TenMegabyteBodyAndTenThousandInputsAre413()
    {
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny" });
        // Waits for the server's answer to Expect: 100-continue however slowly a loaded machine runs the handler.
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) }) { BaseAddress = server.BaseAddress };
        string big = """{"input": " """ + new string('a', 10 * 1024 * 1024) + "\"}";
        var (status, body) = await Post(http, "/v1/embeddings", big, expectContinue: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("exceeds the limit of 2097152 bytes", OpenAiMessage(body));

        string many = JsonSerializer.Serialize(new { input = Enumerable.Range(0, 10_000).Select(i => $"t{i}").ToArray() });
        (status, body) = await Post(http, "/v1/embeddings", many);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("10000 items, more than the limit of 2048", OpenAiMessage(body));
        await AssertStillServes(http);
    }

    [Fact]
    public async Task HundredThousandTokenInputIs413UnlessTruncated()
    {
        string[] words = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "slept"];
        string text = string.Join(" ", Enumerable.Range(0, 100_000).Select(i => words[i % words.Length]));
        int count = models.Plain.Tokenize(text, maxLength: int.MaxValue).Ids.Count;
        Assert.True(count >= 100_000, $"the long text has only {count} tokens");
        var truncatedExpected = models.Plain.Encode([text])[0];   // the library truncates to max_length, keeping EOS
        string json = JsonSerializer.Serialize(new { input = text });

        await using (var strict = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny" }))
        {
            using var http = new HttpClient { BaseAddress = strict.BaseAddress };
            var (status, body) = await Post(http, "/v1/embeddings", json);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
            Assert.Contains($"has {count} tokens, more than the limit of {ServingModels.MaxLength}", OpenAiMessage(body));
            Assert.Equal("input_too_long", (string?)body["error"]!["code"]);
            // TEI's per-request truncate overrides the server's default.
            var tei = await http.PostAsJsonAsync("/embed", new { inputs = text, truncate = true });
            Assert.Equal(HttpStatusCode.OK, tei.StatusCode);
            var teiVector = (await tei.Content.ReadFromJsonAsync<float[][]>())![0];
            for (int k = 0; k < teiVector.Length; k++) Assert.Equal(truncatedExpected[k], teiVector[k], 1e-6);
            await AssertStillServes(http);
        }
        await using (var lenient = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny", AutoTruncate = true }))
        {
            using var http = new HttpClient { BaseAddress = lenient.BaseAddress };
            var (status, body) = await Post(http, "/v1/embeddings", json);
            Assert.Equal(HttpStatusCode.OK, status);
            var vector = body["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
            for (int k = 0; k < vector.Length; k++) Assert.Equal(truncatedExpected[k], vector[k], 1e-6);
            Assert.Equal(ServingModels.MaxLength, (int)body["usage"]!["prompt_tokens"]!);
        }
    }

    [Fact]
    public async Task WrongOrMissingApiKeyIs401()
    {
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny", ApiKey = Key });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        foreach (var header in new[] { null, "Bearer wrong", "Bearer ", "Basic " + Key, "Bearer " + Key + "x", "Bearer " + Key[..^1] })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = JsonContent.Create(new { input = "x" }) };
            if (header is not null) request.Headers.TryAddWithoutValidation("Authorization", header);
            var reply = await http.SendAsync(request);
            Assert.True(reply.StatusCode == HttpStatusCode.Unauthorized, $"header '{header}': {reply.StatusCode}");
            var body = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
            Assert.Equal("invalid_api_key", (string?)body["error"]!["code"]);
        }
        var tei = await http.PostAsJsonAsync("/embed", new { inputs = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, tei.StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        await AssertStillServes(http);
    }

    [Fact]
    public async Task ClientThatDisconnectsHasItsWorkDropped()
    {
        HeldEncoder? held = null;
        await using var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny", MaxBatchTokens = 64 },
            inner => held = new HeldEncoder(inner));
        using var gate = held!;
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var first = http.PostAsJsonAsync("/v1/embeddings", new { input = "held in the forward pass" });
        await gate.WaitEnteredAsync();
        using var cancel = new CancellationTokenSource();
        var leaving = http.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "never", "embedded", "at", "all" } }, cancel.Token);
        await Wait.UntilAsync(() => server.Scheduler.Admitted == 2, "the second request is queued");
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        await Wait.UntilAsync(() => server.Scheduler.Admitted == 1, "the server notices the disconnect and frees its place");
        gate.Release();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        await Wait.UntilAsync(() => server.Scheduler.Metrics.DroppedInputs == 4, "the worker drops the departed client's inputs");
        Assert.Equal(1, server.Scheduler.Metrics.EncodedInputs);   // only the first request's input was embedded
        await AssertStillServes(http);
        Assert.Equal(2, server.Scheduler.Metrics.EncodedInputs);
    }

    [Fact]
    public async Task ShutdownFinishesInFlightRequests()
    {
        HeldEncoder? held = null;
        var server = await ServingModels.StartAsync(models.Plain, new ServerOptions { ModelName = "tiny" }, inner => held = new HeldEncoder(inner));
        using var gate = held!;
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var expected = models.Plain.Encode(["in flight at shutdown"])[0];
        var inFlight = http.PostAsJsonAsync("/v1/embeddings", new { input = "in flight at shutdown" });
        await gate.WaitEnteredAsync();
        var stopping = server.DisposeAsync().AsTask();
        gate.Release();
        var reply = await inFlight;
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var vector = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["data"]![0]!["embedding"]!.AsArray().Select(x => (float)x!).ToArray();
        for (int k = 0; k < vector.Length; k++) Assert.Equal(expected[k], vector[k], 1e-6);
        await stopping;
        Assert.False(server.Scheduler.IsRunning);
    }
}
